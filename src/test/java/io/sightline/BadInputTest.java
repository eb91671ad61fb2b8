package io.sightline;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.wire.DatagramRejects;
import io.sightline.match.DetectionMatcher;
import io.sightline.wire.DatagramCodec;
import io.sightline.wire.Detection;
import io.sightline.wire.DetectionDatagram;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A receiver fed bad frames and bad datagrams: each is refused with a reason and nothing of it is kept. */
class BadInputTest {

    static final long MAX_BYTES = 30_000;

    @TempDir
    static Path data;
    static Map<String, String> settings;
    static Sightline receiver;
    static String frames;

    @BeforeAll
    static void start() throws Exception {
        settings = Harness.receiver(data);
        settings.put("sightline.frame.max-bytes", String.valueOf(MAX_BYTES));
        settings.put("sightline.segment.idle-timeout-ms", "1500");
        settings.put("sightline.receiver.upload-timeout-ms", "2000");
        receiver = Sightline.start(settings);
        frames = Harness.base(settings) + "/api/v1/frames";
    }

    @AfterAll
    static void stop() throws Exception {
        receiver.close();
    }

    private static JsonNode error(HttpResponse<String> response, int status) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonNode body = Segments.JSON.readTree(response.body());
        assertThat(body.get("detail").asText()).isNotBlank();
        return body;
    }

    @Test
    void rejectedFramesAnswerWithAStatusAndJsonAndNeverReachASegment() throws Exception {
        byte[] small = Harness.syntheticJpeg(160, 120, 80);
        byte[] large = Harness.syntheticJpeg(1280, 960, 100);
        assertThat(large.length).isGreaterThan((int) MAX_BYTES);
        long t = 1_700_000_000_000L;

        assertThat(Harness.post(frames, Harness.frameHeaders("bad", "s", 0, t, "seg", false), small).statusCode()).isEqualTo(201);

        Map<String, String> missing = Harness.frameHeaders("bad", "s", 1, t + 50, "seg", false);
        missing.remove("Sightline-Stream");
        assertThat(error(Harness.post(frames, missing, small), 400).get("error").asText()).isEqualTo("missing-header");

        Map<String, String> traversal = Harness.frameHeaders("bad", "s", 1, t + 50, "seg", false);
        traversal.put("Sightline-Segment", "../../../tmp");
        assertThat(error(Harness.post(frames, traversal, small), 400).get("error").asText()).isEqualTo("invalid-segment");

        Map<String, String> notNumber = Harness.frameHeaders("bad", "s", 1, t + 50, "seg", false);
        notNumber.put("Sightline-Frame", "one");
        assertThat(error(Harness.post(frames, notNumber, small), 400).get("error").asText()).isEqualTo("invalid-header");

        byte[] png = "\u0089PNG\r\n\u001a\n not a jpeg".getBytes(StandardCharsets.ISO_8859_1);
        assertThat(error(Harness.post(frames, Harness.frameHeaders("bad", "s", 2, t + 100, "seg", false), png), 415)
                .get("error").asText()).isEqualTo("not-jpeg");

        assertThat(error(Harness.post(frames, Harness.frameHeaders("bad", "s", 3, t + 150, "seg", false), large), 413)
                .get("error").asText()).isEqualTo("too-large");

        Map<String, String> outside = Harness.frameHeaders("bad", "s", 3, t + 150, "seg", false);
        outside.put("Sightline-Detections", "[{\"label\":\"motion\",\"confidence\":0.5,\"box\":[10,10,161,50]}]");
        assertThat(error(Harness.post(frames, outside, small), 400).get("error").asText()).isEqualTo("invalid-detections");

        assertThat(Harness.post(frames, Harness.frameHeaders("bad", "s", 4, t + 200, "seg", true), small).statusCode()).isEqualTo(201);

        await().atMost(Duration.ofSeconds(30)).until(() -> Segments.sidecars(data, "bad").size() == 1);
        JsonNode sidecar = Segments.read(Segments.sidecars(data, "bad").get(0));
        assertThat(sidecar.get("frames")).extracting(f -> f.get("frame").asLong()).containsExactly(0L, 4L);
        assertThat(sidecar.get("missingFrames")).extracting(JsonNode::asLong).containsExactly(1L, 2L, 3L);
        assertThat(Segments.decode(Segments.video(Segments.sidecars(data, "bad").get(0))).markers()).hasSize(2);
        assertThat(Segments.filesUnder(data)).map(p -> p.getFileName().toString())
                .noneMatch(n -> n.endsWith(".jpg") || n.endsWith(".tmp"));
    }

    @Test
    void datagramsAreMatchedToFramesAndGarbageIsCountedWithoutStoppingTheRoute() throws Exception {
        DatagramRejects rejects = receiver.context().getRegistry().lookupByNameAndType("datagramRejects", DatagramRejects.class);
        DetectionMatcher matcher = receiver.context().getRegistry().lookupByNameAndType("detectionMatcher", DetectionMatcher.class);
        int port = Integer.parseInt(settings.get("sightline.receiver.udp-port"));
        Detection person = new Detection("motion", 0.9, new int[] {10, 10, 50, 60});
        long t = 1_700_000_100_000L;

        try (DatagramSocket socket = new DatagramSocket()) {
            List<byte[]> garbage = List.of(
                    "not json".getBytes(StandardCharsets.UTF_8),
                    new byte[1500],
                    "{\"v\":1,\"type\":\"detections\",\"device\":\"a/b\",\"stream\":\"s\",\"seq\":0,\"frame\":0,\"t\":0,\"detections\":[],\"omitted\":0}"
                            .getBytes(StandardCharsets.UTF_8));
            for (byte[] g : garbage) {
                socket.send(new DatagramPacket(g, g.length, InetAddress.getLoopbackAddress(), port));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> rejects.total() == 3);
            assertThat(rejects.counts()).containsEntry("unsigned", 2L).containsEntry("oversized", 1L);

            // datagrams for frames 0 and 2 (seq 0 and 2: seq 1 is lost on the way), signed with udp-cam's key
            long now = System.currentTimeMillis();
            byte[] first = null;
            for (long[] seqFrame : new long[][] {{0, 0}, {2, 2}}) {
                byte[] d = DatagramCodec.encode(new DetectionDatagram(1, DetectionDatagram.DETECTIONS, "udp-cam", "s",
                        seqFrame[0], seqFrame[1], now + seqFrame[1] * 50, List.of(person), 0, 0), Harness.datagramKey("udp-cam"));
                first = first == null ? d : first;
                socket.send(new DatagramPacket(d, d.length, InetAddress.getLoopbackAddress(), port));
            }
            // forged (another device's key), replayed, and stale datagrams are dropped before any matching
            byte[] forged = DatagramCodec.encode(new DetectionDatagram(1, DetectionDatagram.DETECTIONS, "udp-cam", "s",
                    5, 5, now, List.of(person), 0, 0), Harness.datagramKey("someone-else"));
            byte[] stale = DatagramCodec.encode(new DetectionDatagram(1, DetectionDatagram.DETECTIONS, "udp-cam", "s",
                    6, 6, now - 3_600_000, List.of(person), 0, 0), Harness.datagramKey("udp-cam"));
            for (byte[] bad : List.of(forged, first, stale)) {
                socket.send(new DatagramPacket(bad, bad.length, InetAddress.getLoopbackAddress(), port));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> rejects.total() == 6);
            assertThat(rejects.counts()).containsEntry("bad-mac", 1L).containsEntry("replayed", 1L).containsEntry("stale", 1L);
        }
        assertThat(matcher.datagramSeen("udp-cam", "s", 2)).isTrue();
        assertThat(matcher.datagramSeen("udp-cam", "s", 5)).isFalse();
        assertThat(matcher.counts()).containsExactly(new DetectionMatcher.DeviceCounts("udp-cam", 2, 1, 0));

        byte[] jpeg = Harness.syntheticJpeg(160, 120, 80);
        for (int frame = 0; frame < 3; frame++) {
            Map<String, String> h = new HashMap<>(Harness.frameHeaders("udp-cam", "s", frame, t + frame * 50L, "seg", frame == 2));
            h.put("Sightline-Detections", "[{\"label\":\"motion\",\"confidence\":0.9,\"box\":[10,10,50,60]}]");
            assertThat(Harness.post(frames, h, jpeg).statusCode()).isEqualTo(201);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> Segments.sidecars(data, "udp-cam").size() == 1);
        JsonNode sidecar = Segments.read(Segments.sidecars(data, "udp-cam").get(0));
        assertThat(sidecar.get("frames")).extracting(f -> f.get("udp").asBoolean()).containsExactly(true, false, true);
        assertThat(sidecar.get("detections")).hasSize(3);
    }

    @Test
    void aFrameArrivingAfterItsSegmentWasWrittenBecomesALateCompanion() throws Exception {
        byte[] jpeg = Harness.syntheticJpeg(160, 120, 80);
        long t = 1_700_000_200_000L;
        for (int frame = 0; frame < 2; frame++) {
            Map<String, String> h = Harness.frameHeaders("late-cam", "s", frame, t + frame * 50L, "seg", false);
            assertThat(Harness.post(frames, h, jpeg).statusCode()).isEqualTo(201);
        }
        // frame 2, the last, is late: the segment completes by inactivity without it
        await().atMost(Duration.ofSeconds(30)).until(() -> Segments.sidecars(data, "late-cam").size() == 1);
        Map<String, String> late = Harness.frameHeaders("late-cam", "s", 2, t + 100L, "seg", true);
        late.put("Sightline-Segment-First", "0");
        assertThat(Harness.post(frames, late, jpeg).statusCode()).isEqualTo(201);
        await().atMost(Duration.ofSeconds(30)).until(() -> Segments.sidecars(data, "late-cam").size() == 2);
        List<Path> sidecars = Segments.sidecars(data, "late-cam");
        assertThat(sidecars).extracting(p -> p.getFileName().toString()).containsExactlyInAnyOrder("seg.json", "seg-late1.json");
        Path segment = sidecars.stream().filter(p -> p.endsWith("seg.json")).findFirst().orElseThrow();
        Path companion = sidecars.stream().filter(p -> p.endsWith("seg-late1.json")).findFirst().orElseThrow();
        assertThat(Segments.read(segment).get("completedBy").asText()).isEqualTo("timeout");
        assertThat(Segments.read(segment).get("frames")).extracting(f -> f.get("frame").asLong()).containsExactly(0L, 1L);
        assertThat(Segments.read(companion).get("frames")).extracting(f -> f.get("frame").asLong()).containsExactly(2L);
        assertThat(Segments.decode(Segments.video(companion)).markers()).hasSize(1);
    }

    @Test
    void tokensAreCheckedPerDeviceAndRole() throws Exception {
        byte[] jpeg = Harness.syntheticJpeg(160, 120, 80);
        Map<String, String> h = Harness.frameHeaders("auth-cam", "s", 0, 1_700_000_300_000L, "seg", false);
        h.remove("Authorization");
        assertThat(error(Harness.post(frames, h, jpeg), 401).get("error").asText()).isEqualTo("unauthorized");
        h.put("Authorization", "Basic YWRtaW46YWRtaW4=");
        assertThat(error(Harness.post(frames, h, jpeg), 401).get("error").asText()).isEqualTo("unauthorized");
        h.put("Authorization", "Bearer auth-cam.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        assertThat(error(Harness.post(frames, h, jpeg), 401).get("error").asText()).isEqualTo("unauthorized");
        h.put("Authorization", "Bearer " + Harness.OPERATOR);
        assertThat(error(Harness.post(frames, h, jpeg), 403).get("error").asText()).isEqualTo("forbidden");
        h.put("Authorization", "Bearer " + Harness.deviceToken("other-cam"));
        assertThat(error(Harness.post(frames, h, jpeg), 403).get("error").asText()).isEqualTo("forbidden");
        h.put("Authorization", "Bearer " + Harness.deviceToken("auth-cam"));
        assertThat(Harness.post(frames, h, jpeg).statusCode()).isEqualTo(201);

        String devices = Harness.base(settings) + "/api/v1/devices";
        HttpResponse<String> anonymous = Harness.HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(devices)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(error(anonymous, 401).get("error").asText()).isEqualTo("unauthorized");
        assertThat(anonymous.headers().firstValue("WWW-Authenticate")).isPresent();
        HttpResponse<String> asDevice = Harness.HTTP.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(devices))
                .header("Authorization", "Bearer " + Harness.deviceToken("auth-cam")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(error(asDevice, 403).get("error").asText()).isEqualTo("forbidden");
        assertThat(Harness.get(devices).statusCode()).isEqualTo(200);
    }

    @Test
    void theLoginLinkWorksOnceAndGivesASessionCookie() throws Exception {
        String base = Harness.base(settings);
        java.net.http.HttpClient plain = java.net.http.HttpClient.newHttpClient();
        String link = base + "/login?code=" + receiver.loginCode();
        HttpResponse<String> login = plain.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(link)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(login.statusCode()).isEqualTo(303);
        String cookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(cookie).startsWith("sightline_session=").contains("HttpOnly").contains("SameSite=Strict");
        HttpResponse<String> page = plain.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/"))
                .header("Cookie", cookie.substring(0, cookie.indexOf(';'))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("live.mjpeg");

        HttpResponse<String> again = plain.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(link)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(error(again, 401).get("error").asText()).isEqualTo("unauthorized");
        HttpResponse<String> noCookie = plain.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(noCookie.statusCode()).isEqualTo(303);
        assertThat(noCookie.headers().firstValue("Location")).hasValue("/login");
        HttpResponse<String> form = plain.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/login")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(form.body()).contains("name=\"token\"");
        HttpResponse<String> withToken = plain.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("token="
                        + java.net.URLEncoder.encode(Harness.OPERATOR, java.nio.charset.StandardCharsets.UTF_8))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(withToken.statusCode()).isEqualTo(303);
        assertThat(withToken.headers().firstValue("Set-Cookie")).hasValueSatisfying(c -> assertThat(c).startsWith("sightline_session="));
        HttpResponse<String> wrongToken = plain.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(base + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("token=guess")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(wrongToken.statusCode()).isEqualTo(401);
    }

    @Test
    void aDeviceOverItsRateGets429WithRetryAfterWhileOthersFlow() throws Exception {
        Map<String, String> limited = Harness.receiver(data.resolve("limited"));
        limited.put("sightline.receiver.max-fps-per-device", "5");
        try (Sightline rx = Sightline.start(limited)) {
            String url = Harness.base(limited) + "/api/v1/frames";
            byte[] jpeg = Harness.syntheticJpeg(160, 120, 80);
            List<Integer> statuses = new java.util.ArrayList<>();
            HttpResponse<String> refused = null;
            for (int frame = 0; frame < 30 && refused == null; frame++) {
                HttpResponse<String> r = Harness.post(url, Harness.frameHeaders("greedy-cam", "s", frame, 1_700_000_400_000L + frame, "seg", false), jpeg);
                statuses.add(r.statusCode());
                refused = r.statusCode() == 429 ? r : null;
            }
            assertThat(refused).as("statuses " + statuses).isNotNull();
            assertThat(error(refused, 429).get("error").asText()).isEqualTo("rate-limited");
            assertThat(refused.headers().firstValue("Retry-After")).hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isPositive());
            // another device has its own budget
            assertThat(Harness.post(url, Harness.frameHeaders("calm-cam", "s", 0, 1_700_000_400_000L, "seg", false), jpeg)
                    .statusCode()).isEqualTo(201);
        }
    }

    @Test
    void aClientTricklingItsBodyIsCutOffWhileOthersFlowAndOversizedHeadsAreRefused() throws Exception {
        int port = Integer.parseInt(settings.get("sightline.receiver.http-port"));
        byte[] jpeg = Harness.syntheticJpeg(160, 120, 80);
        try (java.net.Socket slow = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
            slow.setSoTimeout(15_000);
            java.io.OutputStream out = slow.getOutputStream();
            String head = "POST /api/v1/frames HTTP/1.1\r\nHost: localhost\r\nContent-Type: image/jpeg\r\n"
                    + "Authorization: Bearer " + Harness.deviceToken("slow-cam") + "\r\nSightline-Device: slow-cam\r\n"
                    + "Sightline-Stream: s\r\nSightline-Frame: 0\r\nSightline-Capture-Time: 1\r\nSightline-Segment: seg\r\n"
                    + "Content-Length: 20000\r\n\r\n";
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            Thread trickle = new Thread(() -> {
                try {
                    for (int i = 0; i < 100; i++) { // one byte every 100 ms: 10 s at most
                        out.write(0);
                        out.flush();
                        Thread.sleep(100);
                    }
                } catch (Exception closed) {
                    // the receiver hung up: what we want
                }
            });
            trickle.setDaemon(true);
            trickle.start();
            // valid traffic from another device keeps flowing meanwhile
            for (int frame = 0; frame < 5; frame++) {
                assertThat(Harness.post(frames, Harness.frameHeaders("steady-cam", "s", frame, 1_700_000_500_000L + frame, "seg", false), jpeg)
                        .statusCode()).isEqualTo(201);
            }
            String response = new String(slow.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(response).isEqualTo("HTTP/1.1 408");
            trickle.join(15_000);
        }
        assertThat(data.resolve("incoming/slow-cam")).doesNotExist();

        Map<String, String> hugeHead = Harness.frameHeaders("bad", "s", 9, 1_700_000_000_000L, "seg", false);
        hugeHead.put("X-Filler", "x".repeat(10_000));
        assertThat(Harness.post(frames, hugeHead, jpeg).statusCode()).isEqualTo(431);
    }

    @Test
    void idleConnectionsAndHalfSentHeadsAreClosed() throws Exception {
        Map<String, String> impatient = Harness.receiver(data.resolve("impatient"));
        impatient.put("sightline.receiver.idle-timeout-s", "2");
        try (Sightline rx = Sightline.start(impatient)) {
            idleConnectionsAreClosed(Integer.parseInt(impatient.get("sightline.receiver.http-port")));
        }
    }

    private static void idleConnectionsAreClosed(int port) throws Exception {
        for (String sent : new String[] {"", "POST /api/v1/frames HTTP/1.1\r\nHost: x\r\n"}) {
            try (java.net.Socket idle = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
                idle.setSoTimeout(15_000);
                idle.getOutputStream().write(sent.getBytes(StandardCharsets.US_ASCII));
                idle.getOutputStream().flush();
                // the server closes the connection after 2 s of silence; a read then ends (or is reset)
                int read;
                try {
                    read = idle.getInputStream().read();
                } catch (java.net.SocketException reset) {
                    read = -1;
                }
                assertThat(read).as("after sending '" + sent.trim() + "'").isEqualTo(-1);
            }
        }
    }
}
