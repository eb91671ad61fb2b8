package io.sightline;

import io.sightline.wire.DatagramCodec;
import io.sightline.wire.Detection;
import io.sightline.wire.DetectionDatagram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

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

    private Map<String, Double> counters() throws Exception {
        Map<String, Double> all = MonitoringTest.scrape(receiver);
        Map<String, Double> rejected = new HashMap<>();
        all.forEach((k, v) -> {
            if (k.startsWith("sightline_frames_rejected_total") || k.startsWith("sightline_datagrams_rejected_total")
                    || k.startsWith("sightline_http_refused_total")) {
                rejected.put(k.replace("sightline_", "").replace("_total", ""), v);
            }
        });
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

    private Map<String, String> frame(String device, long n) {
        return Harness.frameHeaders(device, "s", n, System.currentTimeMillis(), "seg", false);
    }

    @Test
    void everyBadInputIsRefusedAndCountedWhileGoodTrafficFlows() throws Exception {
        Path data = dir.resolve("data");
        receiver = Harness.receiver(data);
        receiver.put("sightline.frame.max-bytes", String.valueOf(MAX_BYTES));
        receiver.put("sightline.receiver.upload-timeout-ms", "2000");
        sender = Harness.sender(receiver, "good-cam", "synthetic");
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
            System.out.println("BATTERY\n| input | response | counter that moved |\n|---|---|---|\n" + String.join("\n", table));
        }
        try (Stream<Path> files = Files.walk(dir)) {
            assertThat(files.filter(Files::isRegularFile).map(dir::relativize).map(Path::toString))
                    .allSatisfy(f -> assertThat(f).matches("(data|spool-good-cam)/.*"))
                    .noneMatch(f -> f.contains("evil-cam") && f.endsWith(".jpg"))
                    .noneMatch(f -> f.contains("etc"));
        }
    }
}
