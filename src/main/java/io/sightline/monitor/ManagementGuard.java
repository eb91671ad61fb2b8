package io.sightline.monitor;

import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/**
 * What the management port lets through before Camel's handlers: with a management token
 * ({@code SIGHTLINE_MANAGEMENT_TOKEN}), {@code /observe/metrics} needs it as a bearer token (Prometheus'
 * {@code authorization} setting). Health stays open for probes, but only as its status: its details (the
 * {@code exposureLevel}, {@code stackTrace} and {@code data} parameters) need the token, and without a token
 * configured they are not served at all. Refusals are 401 with JSON, counted in
 * {@code sightline_management_refused_total{reason}}.
 */
public final class ManagementGuard {

    private static final List<String> DETAIL_PARAMETERS = List.of("exposureLevel", "stackTrace", "data");

    private ManagementGuard() {
    }

    /** @param token null: metrics are open and health details closed */
    public static void install(CamelContext context, String token, String metricsPath, String healthPath,
                               SightlineMetrics metrics) {
        ManagementHttpServer server = context.hasService(ManagementHttpServer.class);
        if (server == null) {
            throw new IllegalStateException("the management server is not running");
        }
        byte[] expected = token == null ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        server.getRouter().route().order(-1000).handler(ctx -> {
            String path = ctx.normalizedPath();
            if (path.equals(metricsPath) && expected != null && !presented(ctx, expected)) {
                refuse(ctx, metrics, "metrics", "the metrics need the management token (Authorization: Bearer ...)");
            } else if (path.startsWith(healthPath) && DETAIL_PARAMETERS.stream().anyMatch(p -> ctx.request().getParam(p) != null)
                    && (expected == null || !presented(ctx, expected))) {
                refuse(ctx, metrics, "health-detail", expected == null
                        ? "health details are not served without a management token (sightline.management.token)"
                        : "health details need the management token (Authorization: Bearer ...)");
            } else {
                ctx.next();
            }
        });
    }

    private static boolean presented(RoutingContext ctx, byte[] expected) {
        String header = ctx.request().getHeader("Authorization");
        return header != null && MessageDigest.isEqual(expected, header.getBytes(StandardCharsets.UTF_8));
    }

    private static void refuse(RoutingContext ctx, SightlineMetrics metrics, String reason, String detail) {
        metrics.counter("management.refused", "reason", reason).increment();
        ctx.response().setStatusCode(401).putHeader("Content-Type", "application/json")
                .putHeader("WWW-Authenticate", "Bearer realm=\"sightline-management\"")
                .end("{\"error\":\"unauthorized\",\"detail\":\"" + detail + "\"}");
    }
}
