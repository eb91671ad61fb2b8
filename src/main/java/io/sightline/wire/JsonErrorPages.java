package io.sightline.wire;

import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

import java.util.Map;

/**
 * Errors raised by the HTTP server itself before any route runs (a body over the server's limit, a request it
 * cannot parse), answered with the same {@code {"error", "detail"}} envelope as the routes use.
 */
public final class JsonErrorPages {

    private static final Map<Integer, String[]> PAGES = Map.of(
            400, new String[] {"bad-request", "the request could not be parsed"},
            413, new String[] {"too-large", "the request body exceeds the server's limit"});

    private JsonErrorPages() {
    }

    public static void install(CamelContext context, int port) {
        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(context, VertxPlatformHttpRouter.getRouterNameFromPort(port));
        router.route().failureHandler(JsonErrorPages::answer);
    }

    private static void answer(RoutingContext ctx) {
        int status = ctx.statusCode();
        String[] page = PAGES.get(status);
        if (page == null || ctx.response().ended() || ctx.response().headWritten()) {
            ctx.next();
            return;
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                .end(Json.text(Map.of("error", page[0], "detail", page[1])));
    }
}
