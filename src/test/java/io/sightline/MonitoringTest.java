package io.sightline;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What an operator sees: routes and counters through Jolokia (as Hawtio reads them), metrics, health. */
class MonitoringTest {

    static final List<String> ROUTES = List.of("capture", "frames-select", "detections-out", "datagram-out",
            "commands-in", "frames-queue", "frames-out", "frames-replay", "send-frame", "spool", "detections-in",
            "frames-in", "frames-stream-in", "frame-checks", "ingest", "datagram", "detections", "recovery", "segments",
            "segment-written", "alerts", "alert-changed", "auto-wait", "alert-integrations", "mqtt-alerts", "mqtt-states",
            "mqtt-publish", "webhook-alerts",
            "auto-resume", "send-command",
            "device-commands", "alert-list", "alert-ack", "alert-review", "segment-thumbnail", "live-events", "segment-days", "segment-list", "me",
            "account-list", "account-create", "account-update", "account-delete", "audit-list", "logout",
            "segment-files", "span-video", "span-frames", "segment-activity", "index-reconcile", "receiver-detection", "openapi", "live-devices", "live-latest", "live-mjpeg", "login", "live-page",
            "retention", "compat-http", "compat-frames", "compat-meta", "compat-clips", "compat-detections", "compat-ok");

    @TempDir
    Path dir;

    /** A Jolokia request as Hawtio's page makes it: POST, the operator's credentials, the console's own origin. */
    static JsonNode jolokia(String hawtio, String request) throws Exception {
        HttpResponse<String> response = jolokiaPost(hawtio, request, hawtioOrigin(hawtio));
        JsonNode body = Segments.JSON.readTree(response.body());
        assertThat(body.get("status").asInt()).as(response.body()).isEqualTo(200);
        return body.get("value");
    }

    static HttpResponse<String> jolokiaPost(String hawtio, String request, String origin) throws Exception {
        HttpRequest.Builder post = HttpRequest.newBuilder(URI.create(hawtio + "jolokia/")).timeout(Duration.ofSeconds(30))
                .header("Authorization", hawtioCredentials()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(request));
        if (origin != null) {
            post.header("Origin", origin);
        }
        return Harness.HTTP.send(post.build(), HttpResponse.BodyHandlers.ofString());
    }

    static String hawtioCredentials() {
        return "Basic " + java.util.Base64.getEncoder().encodeToString(("admin:" + Harness.HAWTIO_PASSWORD).getBytes());
    }

    /** The origin of the page at {@code hawtio} (scheme, host, port). */
    static String hawtioOrigin(String hawtio) {
        URI uri = URI.create(hawtio);
        return uri.getScheme() + "://" + uri.getAuthority();
    }

    static Map<String, String> demo(Path dir) throws Exception {
        Map<String, String> settings = Harness.receiver(dir.resolve("data"));
        settings.put("sightline.role", "all");
        settings.put("sightline.device-id", "watched-cam");
        settings.put("sightline.capture.width", "320");
        settings.put("sightline.capture.height", "240");
        settings.put("sightline.hawtio.enabled", "true");
        settings.put("sightline.hawtio.port", String.valueOf(Harness.freeTcpPort()));
        settings.put("sightline.hawtio.password", Harness.HAWTIO_PASSWORD);
        return settings;
    }

    static String hawtio(Map<String, String> settings) {
        return "http://127.0.0.1:" + settings.get("sightline.hawtio.port") + "/hawtio/";
    }

    @Test
    void jolokiaListsTheContextAndEveryRouteAndCountsExchanges() throws Exception {
        Map<String, String> settings = demo(dir);
        try (Sightline demo = Sightline.start(settings)) {
            String hawtio = hawtio(settings);
            assertThat(Harness.get(hawtio).statusCode()).as("no login on loopback either").isEqualTo(401);
            assertThat(Harness.HTTP.send(HttpRequest.newBuilder(URI.create(hawtio)).header("Authorization", hawtioCredentials())
                    .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);

            JsonNode contexts = jolokia(hawtio, "{\"type\":\"search\",\"mbean\":\"org.apache.camel:type=context,*\"}");
            assertThat(contexts.toString()).contains("context=sightline-all-watched-cam");

            JsonNode routes = jolokia(hawtio, "{\"type\":\"read\",\"mbean\":\"org.apache.camel:context=sightline-all-watched-cam,"
                    + "type=routes,*\",\"attribute\":[\"RouteId\",\"Description\"]}");
            List<String> ids = new ArrayList<>();
            routes.forEach(r -> {
                ids.add(r.get("RouteId").asText());
                assertThat(r.get("Description").asText()).as("description of " + r.get("RouteId")).isNotBlank();
            });
            assertThat(ids).containsExactlyInAnyOrderElementsOf(ROUTES);

            String completed = "{\"type\":\"read\",\"mbean\":\"org.apache.camel:context=sightline-all-watched-cam,"
                    + "type=routes,name=\\\"frames-stream-in\\\"\",\"attribute\":\"ExchangesCompleted\"}";
            long first = jolokia(hawtio, completed).asLong();
            await().atMost(Duration.ofSeconds(30)).until(() -> jolokia(hawtio, completed).asLong() > first + 10);
        }
    }

    static Map<String, Double> scrape(Map<String, String> settings) throws Exception {
        return scrapeAt(Harness.management(settings));
    }

    /** The Sightline series of the management port at {@code management} (its base URL). */
    static Map<String, Double> scrapeAt(String management) throws Exception {
        String text = Harness.managementGetAt(management, "/observe/metrics").body();
        Map<String, Double> series = new java.util.HashMap<>();
        Matcher m = Pattern.compile("(?m)^(sightline_[a-z_]+(?:\\{[^}]*})?) ([-0-9.eE+NaInf]+)$").matcher(text);
        while (m.find()) {
            series.put(m.group(1), Double.parseDouble(m.group(2)));
        }
        return series;
    }

    static double value(Map<String, Double> series, String name) {
        return series.entrySet().stream().filter(e -> e.getKey().startsWith(name + "{") || e.getKey().equals(name))
                .mapToDouble(Map.Entry::getValue).sum();
    }

    @Test
    void metricsCoverTheFlowAndMoveWithTraffic() throws Exception {
        Map<String, String> settings = demo(dir);
        settings.put("sightline.hawtio.enabled", "false");
        settings.put("sightline.segment.seconds", "1");
        try (Sightline demo = Sightline.start(settings)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> value(scrape(settings), "sightline_segments_written_total") >= 1);
            // a rejected frame and a rejected datagram, so their series exist
            Harness.post(Harness.base(settings) + "/api/v1/frames", Map.of("Content-Type", "image/jpeg"), new byte[] {1});
            try (java.net.DatagramSocket socket = new java.net.DatagramSocket()) {
                byte[] junk = "junk".getBytes();
                socket.send(new java.net.DatagramPacket(junk, junk.length, java.net.InetAddress.getLoopbackAddress(),
                        Integer.parseInt(settings.get("sightline.receiver.udp-port"))));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> value(scrape(settings), "sightline_datagrams_rejected_total") >= 1);
            Map<String, Double> before = scrape(settings);
            for (String name : List.of("sightline_frames_captured_total", "sightline_frames_encoded_total",
                    "sightline_frames_sent_total", "sightline_frames_acknowledged_total", "sightline_frames_received_total",
                    "sightline_bytes_sent_total", "sightline_bytes_received_total", "sightline_datagrams_sent_total",
                    "sightline_datagrams_received_total", "sightline_http_send_latency_seconds_count",
                    "sightline_detector_time_seconds_count")) {
                await(name).atMost(Duration.ofSeconds(20))
                        .until(() -> value(scrape(settings), name) > value(before, name));
            }
            Map<String, Double> after = scrape(settings);
            assertThat(after).containsKeys(
                    "sightline_frames_captured_total{device=\"watched-cam\"}",
                    "sightline_frames_rejected_total{reason=\"unauthorized\"}",
                    "sightline_datagrams_rejected_total{reason=\"unsigned\"}",
                    "sightline_datagrams_lost_total{device=\"watched-cam\"}",
                    "sightline_bytes_sent_total{device=\"watched-cam\",path=\"udp\"}",
                    "sightline_capture_fps{device=\"watched-cam\"}",
                    "sightline_segment_write_duration_seconds_count{device=\"watched-cam\"}",
                    "sightline_http_send_latency_seconds_bucket{device=\"watched-cam\",le=\"0.1\"}",
                    "sightline_health_up{check=\"data-dir\"}");
            assertThat(value(after, "sightline_frames_duplicate_total")).isZero();
            assertThat(value(after, "sightline_capture_fps")).isPositive();
        }
    }

    @Test
    void readinessFollowsTheDataDirectory() throws Exception {
        Path data = dir.resolve("data");
        Map<String, String> settings = Harness.receiver(data);
        settings.put("sightline.hawtio.enabled", "true");
        settings.put("sightline.hawtio.port", String.valueOf(Harness.freeTcpPort()));
        settings.put("sightline.hawtio.password", Harness.HAWTIO_PASSWORD);
        String ready = Harness.management(settings) + "/observe/health/ready";
        String healthMBean = "{\"type\":\"read\",\"mbean\":\"org.apache.camel:context=sightline-receiver,type=health,"
                + "name=DefaultHealthCheck\",\"attribute\":\"HealthyReadiness\"}";
        try (Sightline receiver = Sightline.start(settings)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> Harness.get(ready).statusCode() == 200);
            assertThat(jolokia(hawtio(settings), healthMBean).asBoolean()).isTrue();

            // the data directory is replaced by a plain file: nothing can be stored
            Path moved = dir.resolve("moved");
            Files.move(data, moved);
            Files.writeString(data, "not a directory");
            await().atMost(Duration.ofSeconds(10)).until(() -> Harness.get(ready).statusCode() == 503);
            assertThat(Harness.get(ready).body()).contains("DOWN");
            assertThat(value(scrape(settings), "sightline_health_up{check=\"data-dir\"}")).isZero();
            assertThat(jolokia(hawtio(settings), healthMBean).asBoolean()).isFalse();
            assertThat(Harness.get(Harness.management(settings) + "/observe/health/live").statusCode()).isEqualTo(200);

            Files.delete(data);
            Files.move(moved, data);
            await().atMost(Duration.ofSeconds(10)).until(() -> Harness.get(ready).statusCode() == 200);
            assertThat(value(scrape(settings), "sightline_health_up{check=\"data-dir\"}")).isEqualTo(1);
        }
    }

    @Test
    void hawtioAlwaysAsksForALoginAndMakesUpAPasswordWhenNoneIsGiven() throws Exception {
        Map<String, String> settings = Harness.receiver(dir.resolve("data"));
        settings.put("sightline.hawtio.enabled", "true");
        settings.put("sightline.hawtio.bind", "0.0.0.0");
        settings.put("sightline.hawtio.port", String.valueOf(Harness.freeTcpPort()));
        try (Sightline receiver = Sightline.start(settings)) {
            String hawtio = hawtio(settings);
            HttpResponse<String> anonymous = Harness.get(hawtio);
            assertThat(anonymous.statusCode()).isEqualTo(401);
            assertThat(anonymous.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
            HttpResponse<String> wrong = Harness.HTTP.send(HttpRequest.newBuilder(URI.create(hawtio))
                    .header("Authorization", "Basic " + java.util.Base64.getEncoder().encodeToString("admin:guess".getBytes()))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(wrong.statusCode()).isEqualTo(401);

            // the banner's line names the password it made up
            String login = receiver.context().hasService(io.sightline.monitor.HawtioConsole.class).login();
            Matcher made = Pattern.compile("user admin, password (\\S+) \\(made up").matcher(login);
            assertThat(made.find()).as(login).isTrue();
            String credentials = "Basic " + java.util.Base64.getEncoder().encodeToString(("admin:" + made.group(1)).getBytes());
            String version = "{\"type\":\"version\"}";
            // bound to every address: the origins of this machine's addresses are allowed, others are not
            String local = java.net.NetworkInterface.networkInterfaces().flatMap(java.net.NetworkInterface::inetAddresses)
                    .filter(a -> a instanceof java.net.Inet4Address && !a.isLoopbackAddress()).map(java.net.InetAddress::getHostAddress)
                    .findFirst().orElse("127.0.0.1");
            for (String origin : List.of("http://127.0.0.1:" + settings.get("sightline.hawtio.port"),
                    "http://" + local + ":" + settings.get("sightline.hawtio.port"), "http://elsewhere.example:80")) {
                HttpResponse<String> answer = Harness.HTTP.send(HttpRequest.newBuilder(URI.create(hawtio + "jolokia/"))
                        .header("Authorization", credentials).header("Origin", origin)
                        .POST(HttpRequest.BodyPublishers.ofString(version)).build(), HttpResponse.BodyHandlers.ofString());
                boolean listed = !origin.contains("elsewhere");
                assertThat(answer.statusCode()).as(origin + ": " + answer.body()).isEqualTo(listed ? 200 : 403);
                if (listed) {
                    assertThat(Segments.JSON.readTree(answer.body()).path("value").path("agent").asText()).isNotEmpty();
                }
            }
        }
    }

    @Test
    void theManagementPortKeepsMetricsAndHealthDetailsForTheTokenAndHealthOpenForProbes() throws Exception {
        Map<String, String> settings = Harness.receiver(dir.resolve("data"));
        try (Sightline receiver = Sightline.start(settings)) {
            String management = Harness.management(settings);
            await().atMost(Duration.ofSeconds(10)).until(() -> anonymous(management + "/observe/health").statusCode() == 200);
            HttpResponse<String> health = anonymous(management + "/observe/health");
            assertThat(Segments.JSON.readTree(health.body()).fieldNames()).toIterable().containsExactly("status");
            assertThat(anonymous(management + "/observe/health/ready").statusCode()).isEqualTo(200);

            HttpResponse<String> metrics = anonymous(management + "/observe/metrics");
            assertThat(metrics.statusCode()).isEqualTo(401);
            assertThat(Segments.JSON.readTree(metrics.body()).path("error").asText()).isEqualTo("unauthorized");
            assertThat(metrics.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
            HttpResponse<String> wrong = Harness.HTTP.send(HttpRequest.newBuilder(URI.create(management + "/observe/metrics"))
                    .header("Authorization", "Bearer " + Harness.OPERATOR).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(wrong.statusCode()).as("another token").isEqualTo(401);
            assertThat(anonymous(management + "/observe/health?exposureLevel=full").statusCode()).isEqualTo(401);
            assertThat(anonymous(management + "/observe/health/ready?stackTrace=true").statusCode()).isEqualTo(401);

            HttpResponse<String> detail = Harness.managementGet(settings, "/observe/health?exposureLevel=full");
            assertThat(detail.statusCode()).isEqualTo(200);
            assertThat(detail.body()).contains("\"checks\"").contains("data-dir");
            Map<String, Double> series = scrape(settings);
            assertThat(series).containsEntry("sightline_management_refused_total{reason=\"metrics\"}", 2.0)
                    .containsEntry("sightline_management_refused_total{reason=\"health-detail\"}", 2.0);
        }

        // without a token: metrics are open (bind the port to a trusted network), health details are never served
        settings.remove("sightline.management.token");
        try (Sightline receiver = Sightline.start(settings)) {
            String management = Harness.management(settings);
            await().atMost(Duration.ofSeconds(10)).until(() -> anonymous(management + "/observe/health").statusCode() == 200);
            assertThat(anonymous(management + "/observe/metrics").body()).contains("sightline_");
            assertThat(anonymous(management + "/observe/health?exposureLevel=full").statusCode()).isEqualTo(401);
        }
    }

    private static HttpResponse<String> anonymous(String url) throws Exception {
        return Harness.HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
