package io.sightline;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.wire.DatagramCodec;
import io.sightline.wire.Detection;
import io.sightline.wire.DetectionDatagram;
import io.sightline.wire.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Alert rules, the two paths that raise one alert per event, persistence, acknowledgement, live push, auto WAIT. */
class AlertsTest {

    private static final String DEVICE = "alert-cam";
    private static final String STREAM = "s1";
    private static final long T0 = System.currentTimeMillis();
    private static final Detection PERSON = new Detection("person", 0.9, new int[] {100, 100, 200, 300});

    @TempDir
    Path dir;

    private final byte[] jpeg = Harness.syntheticJpeg(640, 480, 80);
    private long seq;

    @Test
    void rulesCooldownBothPathsPersistenceAcknowledgementAndLivePush() throws Exception {
        Map<String, String> receiver = Harness.receiver(dir);
        receiver.put("sightline.alerts.labels", "person");
        receiver.put("sightline.alerts.min-confidence", "0.6");
        receiver.put("sightline.alerts.min-box-area", "1000");
        receiver.put("sightline.alerts.cooldown-s", "10");
        try (Sightline r = Sightline.start(receiver); DatagramSocket udp = new DatagramSocket()) {
            // UDP first: raised at once, not yet confirmed
            datagram(udp, receiver, 10, List.of(PERSON));
            await().atMost(Duration.ofSeconds(5)).until(() -> alerts(receiver).size() == 1);
            JsonNode alert = alerts(receiver).get(0);
            assertThat(alert.path("raisedBy").asText()).isEqualTo("udp");
            assertThat(alert.path("confirmed").asBoolean()).isFalse();
            assertThat(alert.path("frame").asLong()).isEqualTo(10);
            assertThat(alert.path("detections").get(0).path("label").asText()).isEqualTo("person");

            // the same frame over HTTP confirms it and names its segment; no second alert
            frame(receiver, 10, List.of(PERSON));
            await().atMost(Duration.ofSeconds(5)).until(() -> alerts(receiver).get(0).path("confirmed").asBoolean());
            assertThat(alerts(receiver)).hasSize(1);
            assertThat(alerts(receiver).get(0).path("segment").asText()).isEqualTo("seg-0");

            // within the cooldown nothing new; other labels, low confidence and small boxes never
            datagram(udp, receiver, 11, List.of(PERSON));
            frame(receiver, 11, List.of(PERSON));
            datagram(udp, receiver, 400, List.of(new Detection("cat", 0.99, new int[] {0, 0, 300, 300})));
            datagram(udp, receiver, 401, List.of(new Detection("person", 0.5, new int[] {0, 0, 300, 300})));
            datagram(udp, receiver, 402, List.of(new Detection("person", 0.9, new int[] {0, 0, 20, 20})));

            // every datagram of this one is lost: the HTTP path raises it, and a console sees it pushed
            CompletableFuture<String> pushed = firstAlertEvent(receiver);
            frame(receiver, 403, List.of(PERSON));
            JsonNode viaHttp = Json.MAPPER.readTree(pushed.get(10, TimeUnit.SECONDS));
            assertThat(viaHttp.path("frame").asLong()).isEqualTo(403);
            assertThat(viaHttp.path("raisedBy").asText()).isEqualTo("http");
            await().atMost(Duration.ofSeconds(5)).until(() -> alerts(receiver).size() == 2);
            assertThat(alerts(receiver)).extracting(a -> a.path("frame").asLong()).containsExactly(403L, 10L);

            // acknowledgement
            String id = alerts(receiver).get(1).path("id").asText();
            HttpResponse<String> ack = post(receiver, "/api/v1/alerts/" + id + "/ack");
            assertThat(ack.statusCode()).isEqualTo(200);
            assertThat(Json.MAPPER.readTree(ack.body()).path("acknowledgedAt").asLong()).isPositive();
            assertThat(post(receiver, "/api/v1/alerts/no-such-alert/ack").statusCode()).isEqualTo(404);
            assertThat(MonitoringTest.value(MonitoringTest.scrape(receiver), "sightline_alerts_unacknowledged")).isEqualTo(1.0);
        }
        // after a restart, and after retention deleted every segment, the alerts are still there as they were
        Harness.deleteTree(dir.resolve("segments"));
        Harness.deleteTree(dir.resolve("incoming"));
        try (Sightline r = Sightline.start(receiver)) {
            List<JsonNode> kept = alerts(receiver);
            assertThat(kept).extracting(a -> a.path("frame").asLong()).containsExactly(403L, 10L);
            assertThat(kept.get(1).path("acknowledgedAt").asLong()).isPositive();
            assertThat(kept.get(1).path("segment").asText()).isEqualTo("seg-0");
            assertThat(kept.get(0).has("acknowledgedAt") && !kept.get(0).get("acknowledgedAt").isNull()).isFalse();
        }
    }

    @Test
    void anAlertCanHoldTheDeviceAndReleaseItAfterTheAutoResumeTime() throws Exception {
        Map<String, String> receiver = Harness.receiver(dir);
        receiver.put("sightline.alerts.labels", "motion");
        receiver.put("sightline.alerts.min-box-area", "0");
        receiver.put("sightline.alerts.min-confidence", "0");
        receiver.put("sightline.alerts.auto-wait", "true");
        receiver.put("sightline.alerts.auto-resume-s", "2");
        Map<String, String> sender = Harness.sender(receiver, DEVICE, "synthetic");
        try (Sightline r = Sightline.start(receiver); Sightline s = Sightline.start(sender)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> !alerts(receiver).isEmpty());
            await().atMost(Duration.ofSeconds(10)).until(() -> waiting(sender) == 1.0);
            await().atMost(Duration.ofSeconds(10)).until(() -> waiting(sender) == 0.0);
            assertThat(MonitoringTest.scrape(receiver))
                    .containsEntry("sightline_commands_total{command=\"WAIT\",device=\"alert-cam\",outcome=\"acknowledged\"}", 1.0)
                    .containsEntry("sightline_commands_total{command=\"RESUME\",device=\"alert-cam\",outcome=\"acknowledged\"}", 1.0);
        }
    }

    private static double waiting(Map<String, String> sender) throws Exception {
        return MonitoringTest.value(MonitoringTest.scrape(sender), "sightline_sender_waiting");
    }

    private void datagram(DatagramSocket udp, Map<String, String> receiver, long frame, List<Detection> found) throws Exception {
        byte[] bytes = DatagramCodec.encode(new DetectionDatagram(1, DetectionDatagram.DETECTIONS, DEVICE, STREAM, seq++,
                frame, T0 + frame * 50, found, 0, 0), Harness.datagramKey(DEVICE));
        udp.send(new DatagramPacket(bytes, bytes.length, InetAddress.getLoopbackAddress(),
                Integer.parseInt(receiver.get("sightline.receiver.udp-port"))));
    }

    private void frame(Map<String, String> receiver, long frame, List<Detection> found) throws Exception {
        Map<String, String> headers = Harness.frameHeaders(DEVICE, STREAM, frame, T0 + frame * 50, "seg-" + frame / 200, false);
        headers.put("Sightline-Detections", Json.text(found));
        assertThat(Harness.post(Harness.base(receiver) + "/api/v1/frames", headers, jpeg).statusCode()).isEqualTo(201);
    }

    private static List<JsonNode> alerts(Map<String, String> receiver) throws Exception {
        JsonNode list = Json.MAPPER.readTree(Harness.get(Harness.base(receiver) + "/api/v1/alerts").body());
        return Stream.iterate(0, i -> i < list.size(), i -> i + 1).map(list::get).toList();
    }

    private static HttpResponse<String> post(Map<String, String> receiver, String path) throws Exception {
        return Harness.HTTP.send(Harness.operator(Harness.base(receiver) + path).POST(HttpRequest.BodyPublishers.noBody())
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Opens the console's event stream and completes with the data of its first {@code alert} event. */
    private static CompletableFuture<String> firstAlertEvent(Map<String, String> receiver) throws Exception {
        HttpResponse<Stream<String>> events = Harness.HTTP.send(Harness.operator(Harness.base(receiver) + "/api/v1/events")
                .GET().build(), HttpResponse.BodyHandlers.ofLines());
        assertThat(events.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
        return CompletableFuture.supplyAsync(() -> {
            try (Stream<String> lines = events.body()) {
                Iterator<String> it = lines.iterator();
                while (it.hasNext()) {
                    if (it.next().equals("event: alert")) {
                        return it.next().substring("data: ".length());
                    }
                }
                throw new IllegalStateException("event stream ended");
            }
        });
    }

}
