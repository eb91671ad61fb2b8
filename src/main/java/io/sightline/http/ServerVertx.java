package io.sightline.http;

import io.micrometer.core.instrument.Counter;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.impl.VertxInternal;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The Vert.x instance the receiver's HTTP servers run on. Camel's platform-http uses the {@code Vertx} bound in
 * the registry but creates its servers with default options and starts listening before the routes behind it
 * exist; this view of the real instance adds two things to every server it creates:
 * <ul>
 *   <li>an idle timeout: a connection that neither sends nor receives for {@code idleSeconds} is closed, so idle
 *   or stalled clients cannot hold connections;</li>
 *   <li>the largest WebSocket message of the streamed ingest: one frame, as large as a request body may be;</li>
 *   <li>a readiness gate on the receiver's port: until every route has started, and again from the moment it
 *   begins to stop, each request there is answered 503 with {@code Retry-After: 1} and JSON (counted in
 *   {@code sightline_http_refused_total{reason="not-ready"}}), never 404 for a route not added yet.</li>
 * </ul>
 */
public final class ServerVertx {

    private static final String NOT_READY = "{\"error\":\"not-ready\",\"detail\":\"the receiver is starting or stopping; "
            + "try again shortly\"}";

    private ServerVertx() {
    }

    public static Vertx wrap(Vertx real, int idleSeconds, int maxMessageBytes, int gatedPort, BooleanSupplier ready,
                             Counter refused) {
        return (Vertx) Proxy.newProxyInstance(ServerVertx.class.getClassLoader(),
                new Class<?>[] {VertxInternal.class}, (proxy, method, args) -> {
                    if (method.getName().equals("createHttpServer")) {
                        HttpServerOptions options = args != null && args.length == 1 && args[0] instanceof HttpServerOptions given
                                ? new HttpServerOptions(given) : new HttpServerOptions();
                        if (options.getIdleTimeout() == 0) {
                            options.setIdleTimeout(idleSeconds).setIdleTimeoutUnit(TimeUnit.SECONDS);
                        }
                        options.setMaxWebSocketMessageSize(maxMessageBytes);
                        return gated(real.createHttpServer(options), gatedPort, ready, refused);
                    }
                    if (method.getName().equals("equals") && args != null && args.length == 1) {
                        return proxy == args[0] || real.equals(args[0]);
                    }
                    return pass(method, real, args);
                });
    }

    /** The server, with the request handler it is given wrapped by the gate. */
    private static HttpServer gated(HttpServer server, int gatedPort, BooleanSupplier ready, Counter refused) {
        InvocationHandler calls = new InvocationHandler() {
            @Override
            @SuppressWarnings("unchecked")
            public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
                if (method.getName().equals("requestHandler") && args != null && args.length == 1) {
                    Handler<HttpServerRequest> handler = (Handler<HttpServerRequest>) args[0];
                    server.requestHandler(request -> {
                        if (request.localAddress() != null && request.localAddress().port() == gatedPort
                                && !ready.getAsBoolean()) {
                            refused.increment();
                            request.response().setStatusCode(503).putHeader("Retry-After", "1")
                                    .putHeader("Content-Type", "application/json").end(NOT_READY);
                        } else {
                            handler.handle(request);
                        }
                    });
                    return proxy;
                }
                Object result = pass(method, server, args);
                return result == server ? proxy : result; // fluent calls keep returning the gated view
            }
        };
        return (HttpServer) Proxy.newProxyInstance(ServerVertx.class.getClassLoader(), new Class<?>[] {HttpServer.class}, calls);
    }

    private static Object pass(Method method, Object target, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
