package io.sightline.http;

import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.TimeoutHandler;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.Json;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

import java.util.Map;

/**
 * What the receiver's HTTP server does before any route runs: a deadline for a frame upload to arrive whole
 * (a client that trickles its body is cut off with 408 instead of holding a connection), and errors raised by
 * the server itself (a body over its limit, a request it cannot parse, that deadline) answered with the same
 * {@code {"error", "detail"}} envelope as the routes use.
 */
public final class HttpGuards {

    private static final Map<Integer, String[]> PAGES = Map.of(
            400, new String[] {"bad-request", "the request could not be parsed"},
            408, new String[] {"request-timeout", "the request did not arrive in time"},
            413, new String[] {"too-large", "the request body exceeds the server's limit"});

    private HttpGuards() {
    }

    public static void install(VertxPlatformHttpRouter router, long uploadTimeoutMillis, SightlineMetrics metrics) {
        // only the upload path: the live MJPEG responses are meant to last
        router.route("/api/v1/frames").order(-100).handler(TimeoutHandler.create(uploadTimeoutMillis, 408));
        router.route().failureHandler(ctx -> answer(ctx, metrics));
    }

    private static void answer(RoutingContext ctx, SightlineMetrics metrics) {
        int status = ctx.statusCode();
        String[] page = PAGES.get(status);
        if (page == null || ctx.response().ended() || ctx.response().headWritten()) {
            ctx.next();
            return;
        }
        metrics.counter("http.refused", "reason", page[0]).increment();
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(Json.text(Map.of("error", page[0], "detail", page[1])));
    }
}
