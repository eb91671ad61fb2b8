package io.sightline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A receiver that is not ready answers 503 with Retry-After on every HTTP path - the frame ingest, the API, the
 * page and the compat port - never 404: held at start by a route whose start waits for a file the test writes,
 * and held at stop by the same route's stop.
 */
class ReadinessTest {

    /** A route that starts last and stops first, each time only once the test lets it. */
    private static final String HOLD = """
            import org.apache.camel.Route;
            import org.apache.camel.builder.RouteBuilder;
            import org.apache.camel.support.RoutePolicySupport;
            import java.nio.file.Files;
            import java.nio.file.Path;

            public class ReceiverHold extends RouteBuilder {
                @Override
                public void configure() {
                    Path dir = Path.of(getContext().resolvePropertyPlaceholders("{{test.hold-dir}}"));
                    from("timer:hold?repeatCount=1").routeId("hold").startupOrder(20000)
                        .routePolicy(new RoutePolicySupport() {
                            @Override
                            public void onStart(Route route) {
                                await(dir.resolve("start"));
                            }

                            @Override
                            public void onStop(Route route) {
                                await(dir.resolve("stop"));
                            }
                        })
                        .log("held");
                }

                private static void await(Path file) {
                    for (int i = 0; i < 1200 && !Files.exists(file); i++) {
                        try {
                            Thread.sleep(50);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                }
            }
            """;

    /** Every answer seen while polling (status and path). */
    private static final List<String> SEEN = new java.util.concurrent.CopyOnWriteArrayList<>();

    @TempDir
    Path dir;

    @Test
    void everyHttpPathAnswers503UntilAllRoutesAreStartedAndAgainWhileStopping() throws Exception {
        Path routes = dir.resolve("routes");
        Harness.copyRoutes(routes, "*");
        Files.writeString(routes.resolve("ReceiverHold.java"), HOLD);
        Path hold = Files.createDirectories(dir.resolve("hold"));
        Map<String, String> settings = Harness.receiver(dir.resolve("data"));
        settings.put("sightline.routes.dir", routes.toString());
        settings.put("test.hold-dir", hold.toString());
        settings.put("sightline.compat.enabled", "true");
        settings.put("sightline.compat.http-port", String.valueOf(Harness.freeTcpPort()));
        settings.put("sightline.compat.udp-port", String.valueOf(Harness.freeUdpPort()));

        CompletableFuture<Sightline> started = CompletableFuture.supplyAsync(() -> {
            try {
                return Sightline.start(settings);
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        try {
            // starting: the servers listen, every route but the held one runs
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> notReady(settings, true));
            assertThat(started).isNotDone();
            Map<String, Double> refused = MonitoringTest.scrape(settings);
            assertThat(refused.get("sightline_http_refused_total{reason=\"not-ready\"}")).isPositive();

            Files.createFile(hold.resolve("start"));
            Sightline receiver = started.get();
            HttpResponse<String> devices = Harness.get(Harness.base(settings) + "/api/v1/devices");
            assertThat(devices.statusCode()).isEqualTo(200);

            // stopping: the held route stops first; meanwhile every path is refused again
            CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> {
                try {
                    receiver.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            // (the compat port's consumer may be stopped by now: its connections are refused, never answered 404)
            await().atMost(Duration.ofSeconds(30)).until(() -> notReady(settings, false));
            assertThat(stopped).isNotDone();
            Files.createFile(hold.resolve("stop"));
            stopped.get();
            assertThat(SEEN).as("answers while starting and stopping").noneMatch(a -> a.startsWith("404"))
                    .anyMatch(a -> a.equals("503 compat/frame"));
        } finally {
            Files.writeString(hold.resolve("start"), "", java.nio.file.StandardOpenOption.CREATE);
            Files.writeString(hold.resolve("stop"), "", java.nio.file.StandardOpenOption.CREATE);
            if (started.isDone() && !started.isCompletedExceptionally()) {
                started.get().close();
            }
        }
    }

    /** Whether every path answers 503 with Retry-After (and JSON on the receiver's port), the compat port's too. */
    private static boolean notReady(Map<String, String> settings, boolean compatPort) throws Exception {
        String base = Harness.base(settings);
        List<HttpResponse<String>> answers = new java.util.ArrayList<>(List.of(
                Harness.get(base + "/api/v1/devices"),
                Harness.get(base + "/"),
                Harness.get(base + "/api/v1/devices/cam/live.mjpeg"),
                Harness.post(base + "/api/v1/frames", Harness.frameHeaders("cam", "s", 1, System.currentTimeMillis(), "g", false),
                        Harness.syntheticJpeg(64, 48, 80))));
        answers.forEach(a -> SEEN.add(a.statusCode() + " " + a.uri().getPath()));
        boolean json = answers.stream().allMatch(a -> a.body().contains("\"not-ready\""));
        if (compatPort) {
            HttpResponse<String> compat = Harness.HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                            + settings.get("sightline.compat.http-port") + "/frame")).timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
            SEEN.add(compat.statusCode() + " compat" + compat.uri().getPath());
            answers.add(compat);
        }
        return json && answers.stream().allMatch(a -> a.statusCode() == 503
                && a.headers().firstValue("Retry-After").orElse("").equals("1"));
    }
}
