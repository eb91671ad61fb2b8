package io.sightline;

import io.sightline.wire.DatagramCodec;
import io.sightline.wire.Detection;
import io.sightline.wire.DetectionDatagram;
import io.sightline.wire.DeviceKeys;
import io.sightline.command.CommandDatagram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every kind of bad input, one after the other, against a receiver that a real sender streams to all along: each
 * gets its documented answer or counted drop, the sender's frames keep being acknowledged after every one, and
 * nothing is written outside the data directory. Prints the table (input, response, counter that moved).
 */
class BadInputBatteryTest {

    static final long MAX_BYTES = 200_000;

    @TempDir
    Path dir;

    private Map<String, String> receiver;
    private Map<String, String> sender;
    private final List<String> table = new ArrayList<>();

    private static final List<String> REFUSALS = List.of("sightline_frames_rejected_total",
            "sightline_datagrams_rejected_total", "sightline_http_refused_total", "sightline_requests_rejected_total",
            "sightline_management_refused_total", "sightline_hawtio_refused_total");

    /** The refusal counters of the receiver, and the sender's (its rejected commands) prefixed "sender ". */
    private Map<String, Double> counters() throws Exception {
        Map<String, Double> rejected = new HashMap<>();
        for (Map.Entry<String, Map<String, String>> side : Map.of("", receiver, "sender ", sender).entrySet()) {
            MonitoringTest.scrape(side.getValue()).forEach((k, v) -> {
                if (REFUSALS.stream().anyMatch(k::startsWith)) {
                    rejected.put(side.getKey() + k.replace("sightline_", "").replace("_total", ""), v);
                }
            });
        }
        return rejected;
    }

    private double acknowledged() throws Exception {
        return MonitoringTest.value(MonitoringTest.scrape(sender), "sightline_frames_acknowledged_total");
    }

    /** Runs one bad input; records what it got and which counter moved; checks the good sender still flows. */
    private void battery(String input, String expected, String expectedCounter, Callable<String> attack) throws Exception {
        Map<String, Double> before = counters();
        double acked = acknowledged();
        String got = attack.call();
        List<String> moved = new ArrayList<>();
        if (expectedCounter != null) {
            await(input).atMost(Duration.ofSeconds(10)).until(() -> counters().getOrDefault(expectedCounter, 0.0)
                    > before.getOrDefault(expectedCounter, 0.0));
        }
        counters().forEach((k, v) -> {
            if (v > before.getOrDefault(k, 0.0)) {
                moved.add(k);
            }
        });
        await(input + ": the good sender keeps going").atMost(Duration.ofSeconds(10)).until(() -> acknowledged() > acked);
        table.add(String.format("| %s | %s | %s |", input, got, moved.isEmpty() ? "–" : String.join(", ", moved)));
        assertThat(got).as(input).isEqualTo(expected);
        if (expectedCounter != null) {
            assertThat(moved).as(input).contains(expectedCounter);
        }
    }

    private String post(Map<String, String> headers, byte[] body) throws Exception {
        HttpResponse<String> r = Harness.post(Harness.base(receiver) + "/api/v1/frames", headers, body);
        String error = r.body().contains("\"error\"") ? " " + Segments.JSON.readTree(r.body()).get("error").asText() : "";
        return r.statusCode() + error;
    }

    private String datagram(byte[] bytes) throws Exception {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.send(new DatagramPacket(bytes, bytes.length, InetAddress.getLoopbackAddress(),
                    Integer.parseInt(receiver.get("sightline.receiver.udp-port"))));
        }
        return "dropped";
    }

    /** A request to Hawtio's Jolokia with the console's credentials: its HTTP status and Jolokia's own. */
    private String jolokia(String method, String path, String origin, String body) throws Exception {
        java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(MonitoringTest.hawtio(receiver) + "jolokia/" + path))
                .timeout(Duration.ofSeconds(30)).header("Authorization", MonitoringTest.hawtioCredentials())
                .method(method, body == null ? java.net.http.HttpRequest.BodyPublishers.noBody()
                        : java.net.http.HttpRequest.BodyPublishers.ofString(body));
        if (origin != null) {
            request.header("Origin", origin);
        }
        HttpResponse<String> r = Harness.HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        com.fasterxml.jackson.databind.JsonNode json = Segments.JSON.readTree(r.body());
        return r.statusCode() + (json.has("status") ? ", Jolokia " + json.get("status").asInt() : " " + json.path("error").asText());
    }

    private String management(String path, String token) throws Exception {
        java.net.http.HttpRequest.Builder request = java.net.http.HttpRequest.newBuilder(
                java.net.URI.create(Harness.management(receiver) + path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = Harness.HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        return r.statusCode() + " " + Segments.JSON.readTree(r.body()).path("error").asText();
    }

    /** The operator's session cookie, from the login form with the operator token. */
    private String session() throws Exception {
        HttpResponse<String> login = Harness.post(Harness.base(receiver) + "/login",
                Map.of("Content-Type", "application/x-www-form-urlencoded"), ("token=" + java.net.URLEncoder.encode(
                        Harness.OPERATOR, StandardCharsets.UTF_8)).getBytes(StandardCharsets.US_ASCII));
        return login.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
    }

    private String command(Map<String, String> headers) throws Exception {
        HttpResponse<String> r = Harness.post(Harness.base(receiver) + "/api/v1/devices/good-cam/commands", headers,
                "{\"command\":\"WAIT\"}".getBytes(StandardCharsets.US_ASCII));
        return r.statusCode() + " " + Segments.JSON.readTree(r.body()).path("error").asText();
    }

    private Map<String, String> frame(String device, long n) {
        return Harness.frameHeaders(device, "s", n, System.currentTimeMillis(), "seg", false);
    }

    @Test
    void everyBadInputIsRefusedAndCountedWhileGoodTrafficFlows() throws Exception {
        Path data = dir.resolve("data");
        receiver = Harness.receiver(data);
        receiver.put("sightline.frame.max-bytes", String.valueOf(MAX_BYTES));
        receiver.put("sightline.receiver.max-request-bytes", String.valueOf(2 * MAX_BYTES));
        receiver.put("sightline.receiver.upload-timeout-ms", "2000");
        receiver.put("sightline.hawtio.enabled", "true");
        receiver.put("sightline.hawtio.port", String.valueOf(Harness.freeTcpPort()));
        receiver.put("sightline.hawtio.password", Harness.HAWTIO_PASSWORD);
        // a rotation whose overlap is over: devices still keyed from the previous master key are refused
        byte[] previous = DeviceKeys.parse("previous", DeviceKeys.random());
        receiver.put("sightline.security.previous-master-key", java.util.Base64.getEncoder().encodeToString(previous));
        receiver.put("sightline.security.previous-master-key-until", java.time.Instant.now().minusSeconds(60).toString());
        sender = Harness.sender(receiver, "good-cam", "synthetic");
        sender.put("sightline.hawtio.enabled", "false");
        sender.put("sightline.capture.width", "320");
        sender.put("sightline.capture.height", "240");
        byte[] jpeg = Harness.syntheticJpeg(320, 240, 80);
        byte[] key = Harness.datagramKey("evil-cam");
        long now = System.currentTimeMillis();
        byte[] signed = DatagramCodec.encode(new DetectionDatagram(1, DetectionDatagram.DETECTIONS, "evil-cam", "s", 1, 1,
                now, List.of(new Detection("person", 0.9, new int[] {1, 1, 20, 20})), 0, 0), key);
        try (Sightline rx = Sightline.start(receiver); Sightline good = Sightline.start(sender)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged() > 10);

            byte[] random = new byte[300];
            new Random(7).nextBytes(random);
            battery("random-byte datagram", "dropped", "datagrams_rejected{reason=\"unsigned\"}", () -> datagram(random));
            battery("truncated JSON datagram", "dropped", "datagrams_rejected{reason=\"unsigned\"}",
                    () -> datagram(Arrays.copyOf(signed, signed.length / 2)));
            byte[] wrongMac = DatagramCodec.encode(new DetectionDatagram(1, DetectionDatagram.HEARTBEAT, "evil-cam", "s", 2, 2,
                    now, List.of(), 0, 0), Harness.datagramKey("another-cam"));
            battery("valid JSON, wrong MAC", "dropped", "datagrams_rejected{reason=\"bad-mac\"}", () -> datagram(wrongMac));
            datagram(signed);
            battery("replayed valid datagram", "dropped", "datagrams_rejected{reason=\"replayed\"}", () -> datagram(signed));
            battery("oversized datagram (1,500 bytes)", "dropped", "datagrams_rejected{reason=\"oversized\"}",
                    () -> datagram(new byte[1500]));

            battery("non-JPEG body", "415 not-jpeg", "frames_rejected{reason=\"not-jpeg\"}",
                    () -> post(frame("evil-cam", 1), "GIF89a not a jpeg".getBytes(StandardCharsets.US_ASCII)));
            battery("truncated JPEG", "415 not-jpeg", "frames_rejected{reason=\"not-jpeg\"}",
                    () -> post(frame("evil-cam", 2), Arrays.copyOf(jpeg, jpeg.length / 2)));
            battery("empty body", "415 not-jpeg", "frames_rejected{reason=\"not-jpeg\"}", () -> post(frame("evil-cam", 3), new byte[0]));
            byte[] big = Arrays.copyOf(jpeg, (int) MAX_BYTES + 1000);
            big[big.length - 2] = (byte) 0xFF;
            big[big.length - 1] = (byte) 0xD9;
            battery("body over the frame limit", "413 too-large", "frames_rejected{reason=\"too-large\"}", () -> post(frame("evil-cam", 4), big));
            battery("huge body (3x the limit)", "413 too-large", "http_refused{reason=\"too-large\"}", () -> post(frame("evil-cam", 5), new byte[(int) (3 * MAX_BYTES)]));

            Map<String, String> traversal = frame("evil-cam", 6);
            traversal.put("Sightline-Device", "../../etc");
            battery("device id ../../etc", "400 invalid-device", "frames_rejected{reason=\"invalid-device\"}", () -> post(traversal, jpeg));
            Map<String, String> encoded = frame("evil-cam", 7);
            encoded.put("Sightline-Device", "..%2F..%2Fetc");
            battery("device id ..%2F..%2Fetc", "400 invalid-device", "frames_rejected{reason=\"invalid-device\"}", () -> post(encoded, jpeg));
            battery("live view of ../../etc", "404 unknown-device", null,
                    () -> {
                        HttpResponse<String> r = Harness.get(Harness.base(receiver) + "/api/v1/devices/..%2F..%2Fetc/latest.jpg");
                        return r.statusCode() + " " + Segments.JSON.readTree(r.body()).get("error").asText();
                    });

            Map<String, String> noToken = frame("evil-cam", 8);
            noToken.remove("Authorization");
            battery("missing token", "401 unauthorized", "frames_rejected{reason=\"unauthorized\"}", () -> post(noToken, jpeg));
            Map<String, String> malformed = frame("evil-cam", 9);
            malformed.put("Authorization", "Bearer ???");
            battery("malformed token", "401 unauthorized", "frames_rejected{reason=\"unauthorized\"}", () -> post(malformed, jpeg));
            Map<String, String> wrongRole = frame("evil-cam", 10);
            wrongRole.put("Authorization", "Bearer " + Harness.OPERATOR);
            battery("operator token posting a frame", "403 forbidden", "frames_rejected{reason=\"forbidden\"}", () -> post(wrongRole, jpeg));
            Map<String, String> impostor = frame("good-cam", 11);
            impostor.put("Authorization", "Bearer " + Harness.deviceToken("evil-cam"));
            battery("device posting as another device", "403 forbidden", "frames_rejected{reason=\"forbidden\"}", () -> post(impostor, jpeg));

            Map<String, String> hugeHead = frame("evil-cam", 12);
            hugeHead.put("X-Filler", "x".repeat(10_000));
            battery("request head over 8 KiB", "431", null, () -> post(hugeHead, jpeg));

            battery("slow client trickling its body", "HTTP/1.1 408", "http_refused{reason=\"request-timeout\"}", () -> {
                try (Socket slow = new Socket(InetAddress.getLoopbackAddress(), Integer.parseInt(receiver.get("sightline.receiver.http-port")))) {
                    slow.setSoTimeout(15_000);
                    OutputStream out = slow.getOutputStream();
                    out.write(("POST /api/v1/frames HTTP/1.1\r\nHost: x\r\nContent-Type: image/jpeg\r\nAuthorization: Bearer "
                            + Harness.deviceToken("evil-cam") + "\r\nContent-Length: 50000\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                    for (int i = 0; i < 5; i++) {
                        out.write(0);
                        out.flush();
                    }
                    return new String(slow.getInputStream().readNBytes(12), StandardCharsets.US_ASCII);
                }
            });
            String stopIngest = "{\"type\":\"exec\",\"mbean\":\"org.apache.camel:context=sightline-receiver,type=routes,"
                    + "name=\\\"frames-in\\\"\",\"operation\":\"stop()\"}";
            String own = MonitoringTest.hawtioOrigin(MonitoringTest.hawtio(receiver));
            battery("Jolokia exec by GET (stop frames-in), with Hawtio's credentials", "403 forbidden",
                    "hawtio_refused{reason=\"not-post\"}",
                    () -> jolokia("GET", "exec/org.apache.camel:context=sightline-receiver,type=routes,name=%22frames-in%22/stop()", own, null));
            battery("Jolokia exec by POST (stop frames-in), operations not allowed", "200, Jolokia 403", null,
                    () -> jolokia("POST", "", own, stopIngest));
            battery("Jolokia write by POST, operations not allowed", "200, Jolokia 403", null,
                    () -> jolokia("POST", "", own, "{\"type\":\"write\",\"mbean\":\"org.apache.camel:context=sightline-receiver,"
                            + "type=context,name=\\\"sightline-receiver\\\"\",\"attribute\":\"Tracing\",\"value\":true}"));
            battery("Jolokia read by POST from another origin", "403 forbidden", "hawtio_refused{reason=\"origin\"}",
                    () -> jolokia("POST", "", "http://127.0.0.1:1", "{\"type\":\"version\"}"));
            battery("Jolokia read by POST without Origin or Referer", "403 forbidden", "hawtio_refused{reason=\"origin\"}",
                    () -> jolokia("POST", "", null, "{\"type\":\"version\"}"));
            battery("Hawtio without credentials", "401", null, () -> String.valueOf(Harness.get(MonitoringTest.hawtio(receiver)).statusCode()));

            battery("metrics without the management token", "401 unauthorized", "management_refused{reason=\"metrics\"}",
                    () -> management("/observe/metrics", null));
            battery("metrics with another token (the operator's)", "401 unauthorized", "management_refused{reason=\"metrics\"}",
                    () -> management("/observe/metrics", Harness.OPERATOR));
            battery("health details without the management token", "401 unauthorized",
                    "management_refused{reason=\"health-detail\"}", () -> management("/observe/health?exposureLevel=full", null));
            battery("health status without a token (a probe)", "200 ", null, () -> management("/observe/health/ready", null));

            String cookie = session();
            battery("operator session used by a page of another origin (Origin)", "403 cross-origin",
                    "requests_rejected{reason=\"cross-origin\"}", () -> command(Map.of("Cookie", cookie,
                            "Content-Type", "application/json", "Origin", "http://127.0.0.1:1")));
            battery("operator session used by a page of the same site (Sec-Fetch-Site)", "403 cross-origin",
                    "requests_rejected{reason=\"cross-origin\"}", () -> command(Map.of("Cookie", cookie,
                            "Content-Type", "application/json", "Sec-Fetch-Site", "same-site", "Sec-Fetch-Mode", "no-cors")));

            byte[] commandKey = DeviceKeys.commandKey(DeviceKeys.deviceKey(DeviceKeys.parse("m", Harness.MASTER), "good-cam"));
            byte[] earlierRun = new CommandDatagram(CommandDatagram.VERSION, "good-cam", "20260101T000000Z-0000", "w-earlier",
                    "WAIT", System.currentTimeMillis()).encode(commandKey);
            battery("command for an earlier run of the sender (replayed after a restart)", "dropped",
                    "sender datagrams_rejected{reason=\"replayed\"}", () -> {
                        try (DatagramSocket socket = new DatagramSocket()) {
                            socket.send(new DatagramPacket(earlierRun, earlierRun.length, InetAddress.getLoopbackAddress(),
                                    Integer.parseInt(sender.get("sightline.sender.command-port"))));
                        }
                        return "dropped";
                    });

            byte[] oldDeviceKey = DeviceKeys.deviceKey(previous, "old-cam");
            Map<String, String> oldKey = frame("old-cam", 1);
            oldKey.put("Authorization", "Bearer " + DeviceKeys.httpToken("old-cam", oldDeviceKey));
            battery("frame of a device keyed from the previous master key, overlap over", "401 unauthorized",
                    "frames_rejected{reason=\"unauthorized\"}", () -> post(oldKey, jpeg));
            byte[] oldSigned = DatagramCodec.encode(new DetectionDatagram(1, DetectionDatagram.HEARTBEAT, "old-cam", "s", 1, 1,
                    System.currentTimeMillis(), List.of(), 0, 0), DeviceKeys.datagramKey(oldDeviceKey));
            battery("datagram signed from the previous master key, overlap over", "dropped",
                    "datagrams_rejected{reason=\"bad-mac\"}", () -> datagram(oldSigned));
            System.out.println("BATTERY\n| input | response | counter that moved |\n|---|---|---|\n" + String.join("\n", table));
        }
        assertThat(Segments.filesUnder(dir)).map(f -> dir.relativize(f).toString())
                .allSatisfy(f -> assertThat(f).matches("(data|spool-good-cam)/.*"))
                .noneMatch(f -> f.contains("evil-cam") && f.endsWith(".jpg"))
                .noneMatch(f -> f.contains("etc"));
    }
}
