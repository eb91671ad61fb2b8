package io.sightline.auth;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.impl.VertxInternal;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.concurrent.TimeUnit;

/**
 * The Vert.x instance the receiver's HTTP servers run on, with an idle timeout on every server it creates: a
 * connection that neither sends nor receives for {@code idleSeconds} is closed, so idle or stalled clients cannot
 * hold connections. Camel's platform-http uses the {@code Vertx} bound in the registry but creates its server with
 * default options (no idle timeout); this view of the real instance adds the timeout when a server is created
 * and passes everything else through.
 */
public final class IdleTimeoutVertx {

    private IdleTimeoutVertx() {
    }

    public static Vertx wrap(Vertx real, int idleSeconds) {
        return (Vertx) Proxy.newProxyInstance(IdleTimeoutVertx.class.getClassLoader(),
                new Class<?>[] {VertxInternal.class}, (proxy, method, args) -> {
                    if (method.getName().equals("createHttpServer")) {
                        HttpServerOptions options = args != null && args.length == 1 && args[0] instanceof HttpServerOptions given
                                ? new HttpServerOptions(given) : new HttpServerOptions();
                        if (options.getIdleTimeout() == 0) {
                            options.setIdleTimeout(idleSeconds).setIdleTimeoutUnit(TimeUnit.SECONDS);
                        }
                        return real.createHttpServer(options);
                    }
                    if (method.getName().equals("equals") && args != null && args.length == 1) {
                        return proxy == args[0] || real.equals(args[0]);
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
