package io.sightline;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.wire.Json;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The compatibility ingest, driven by a client written here that speaks exactly the old Python senders'
 * protocol: per-frame posts with UDP detections, clip streaming in and out of order, a clip whose last frame is
 * lost, a whole clip upload, and the malformed requests with their 400s.
 */
class CompatTest {

    private static final String DEVICE = "old-drone";
    private static final String PERSON = "{\"class\":\"person\",\"conf\":0.91,\"bbox\":[100,60,220,200]}";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void oldSendersStreamFramesClipsAndDetectionsIntoSegmentsAndAlerts() throws Exception {
        Map<String, String> receiver = Harness.receiver(dir.resolve("data"));
        int port = Harness.freeTcpPort();
        int udpPort = Harness.freeUdpPort();
        receiver.put("sightline.compat.enabled", "true");
        receiver.put("sightline.compat.http-port", String.valueOf(port));
        receiver.put("sightline.compat.udp-port", String.valueOf(udpPort));
        receiver.put("sightline.compat.devices", "127.0.0.1=" + DEVICE);
        receiver.put("sightline.segment.idle-timeout-ms", "2000");
        receiver.put("sightline.alerts.labels", "person");
        receiver.put("sightline.alerts.cooldown-s", "0");
        String base = "http://127.0.0.1:" + port;
        Path data = dir.resolve("data");
        List<byte[]> jpegs = Harness.syntheticJpegs(320, 240, 85, 160);
        try (Sightline r = Sightline.start(receiver); DatagramSocket udp = new DatagramSocket()) {
            // per-frame posts; frames 10-12 get their detections over UDP first, frame 20 in its own meta
            double t0 = System.currentTimeMillis() / 1000.0;
            for (int i = 0; i < 30; i++) {
                double t = t0 + i * 0.05;
                if (i >= 10 && i <= 12) {
                    datagram(udp, udpPort, "{\"frame_id\":\"f-" + i + "\",\"timestamp\":" + t + ",\"detections\":[" + PERSON + "]}");
                    long frame = i;
                    // the fast path: the alert is up before the frame is even posted
                    await().atMost(Duration.ofSeconds(10)).until(() -> alerts(receiver).stream().anyMatch(a ->
                            a.get("frame").asLong() == frame && a.get("raisedBy").asText().equals("udp")));
                }
                String detections = i == 20 ? "[" + PERSON + "]" : "[]";
                HttpResponse<String> ok = post(base + "/frame", Map.of("meta", json("{\"frame_id\":\"f-" + i
                        + "\",\"timestamp\":" + t + ",\"detections\":" + detections + "}")), Map.of("frame", jpegs.get(i)));
                assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
                assertThat(ok.body()).isEqualTo("OK");
            }

            // clip A: /meta first, then its 20 frames (10 fps) in a shuffled order, the is_last one among them
            assertThat(postJson(base + "/meta", "{\"clip_id\":\"clip A/1\",\"detections\":[" + PERSON
                    + "],\"video_duration\":2.0,\"video_fps\":10}").body()).isEqualTo("OK");
            List<Integer> order = new ArrayList<>(LongStream.range(0, 20).mapToObj(i -> (int) i).toList());
            Collections.shuffle(order, new Random(7));
            for (int k : order) {
                String meta = "{\"clip_id\":\"clip A/1\",\"timestamp\":" + (k / 10.0) + ",\"is_last\":" + (k == 19) + "}";
                assertThat(post(base + "/frame", Map.of("meta", json(meta)), Map.of("frame", jpegs.get(k))).statusCode()).isEqualTo(200);
            }
            // clip B: 15 frames, the is_last frame never arrives: the segment completes when the frames stop
            for (int k = 0; k < 15; k++) {
                String meta = "{\"clip_id\":\"clip-B\",\"timestamp\":" + (k / 20.0) + ",\"is_last\":false}";
                assertThat(post(base + "/frame", Map.of("meta", json(meta)), Map.of("frame", jpegs.get(k))).statusCode()).isEqualTo(200);
            }
            // a whole clip recorded on the device (MJPEG in AVI), larger than netty-http's default 1 MB body limit
            byte[] recording = avi(jpegs);
            assertThat(recording.length).isGreaterThan(1 << 20);
            HttpResponse<String> clip = post(base + "/clip", Map.of("meta", json("{\"frame_id\":\"rec-7\",\"timestamp\":" + t0 + "}")),
                    Map.of("video", recording));
            assertThat(clip.statusCode()).as(clip.body()).isEqualTo(200);

            // malformed requests: the old receiver's 400s with a short text; a bad datagram is counted and dropped
            HttpResponse<String> noFrame = post(base + "/frame", Map.of("meta", json("{\"frame_id\":\"x\",\"timestamp\":1}")), Map.of());
            assertThat(noFrame.statusCode()).isEqualTo(400);
            assertThat(noFrame.body()).isEqualTo("meta or frame missing");
            assertThat(post(base + "/frame", Map.of(), Map.of("frame", jpegs.get(0))).statusCode()).isEqualTo(400);
            HttpResponse<String> noClip = postJson(base + "/meta", "{\"detections\":[]}");
            assertThat(noClip.statusCode()).isEqualTo(400);
            assertThat(noClip.body()).isEqualTo("clip_id missing");
            assertThat(post(base + "/frame", Map.of("meta", json("{\"frame_id\":\"y\",\"timestamp\":1}")),
                    Map.of("frame", "not a jpeg".getBytes(StandardCharsets.UTF_8))).statusCode()).isEqualTo(415);
            datagram(udp, udpPort, "{not json");
            await().atMost(Duration.ofSeconds(10)).until(() -> MonitoringTest.value(MonitoringTest.scrape(receiver),
                    "sightline_datagrams_rejected_total") >= 1);

            // the segments: the per-frame stream (one or two segments), clip A, clip B, the uploaded clip
            await().atMost(Duration.ofSeconds(30)).until(() -> Segments.sidecars(data, DEVICE).size() >= 4
                    && Segments.framesWritten(data, DEVICE) >= 30 + 20 + 15 + 160);
            List<Long> perFrame = new ArrayList<>();
            List<Long> perFrameDetections = new ArrayList<>();
            JsonNode clipA = null;
            JsonNode clipB = null;
            JsonNode upload = null;
            for (Path sidecar : Segments.sidecars(data, DEVICE)) {
                JsonNode s = Segments.read(sidecar);
                List<Long> markers = Segments.decode(Segments.video(sidecar)).markers();
                if (s.get("stream").asText().startsWith("compat-")) {
                    perFrame.addAll(markers);
                    s.get("detections").forEach(d -> perFrameDetections.add(d.get("frame").asLong()));
                } else if (s.get("segment").asText().startsWith("clip-clip-A-1")) {
                    clipA = s;
                    assertThat(markers).as("clip A in timestamp order").containsExactlyElementsOf(range(20));
                } else if (s.get("segment").asText().startsWith("clip-clip-B")) {
                    clipB = s;
                    assertThat(markers).as("clip B in timestamp order").containsExactlyElementsOf(range(15));
                } else if (s.get("segment").asText().equals("clip-rec-7")) {
                    upload = s;
                    assertThat(markers).as("uploaded clip").containsExactlyElementsOf(range(160));
                }
            }
            assertThat(perFrame).containsExactlyElementsOf(range(30));
            assertThat(perFrameDetections).containsExactlyInAnyOrder(10L, 11L, 12L, 20L); // UDP ones merged, meta one kept
            assertThat(clipA).isNotNull();
            assertThat(clipA.get("completedBy").asText()).isEqualTo("predicate"); // is_last + every frame before it
            assertThat(clipA.get("detections").get(0).get("label").asText()).isEqualTo("person"); // from /meta
            assertThat(clipB).isNotNull();
            assertThat(clipB.get("completedBy").asText()).isEqualTo("timeout");
            assertThat(upload).isNotNull();

            // alerts: from UDP at once (frame 10), from the frame's own meta (20), from the clip's /meta
            List<JsonNode> alerts = alerts(receiver);
            assertThat(alerts).allSatisfy(a -> assertThat(a.get("device").asText()).isEqualTo(DEVICE));
            assertThat(alerts).anySatisfy(a -> {
                assertThat(a.get("raisedBy").asText()).isEqualTo("udp");
                assertThat(a.get("frame").asLong()).isEqualTo(10);
            });
            assertThat(alerts).anySatisfy(a -> assertThat(a.get("segment").asText()).startsWith("clip-clip-A-1"));
        }
    }

    @Test
    void theCompatPortsAreClosedUnlessEnabled() throws Exception {
        Map<String, String> receiver = Harness.receiver(dir.resolve("data"));
        int port = Harness.freeTcpPort();
        receiver.put("sightline.compat.http-port", String.valueOf(port));
        try (Sightline r = Sightline.start(receiver)) {
            assertThat(Harness.get(Harness.base(receiver) + "/api/v1/devices").statusCode()).isEqualTo(200);
            try (var socket = new java.net.Socket()) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() ->
                        socket.connect(new java.net.InetSocketAddress("127.0.0.1", port), 2000))
                        .isInstanceOf(java.io.IOException.class);
            }
        }
    }

    private static List<JsonNode> alerts(Map<String, String> receiver) throws Exception {
        List<JsonNode> alerts = new ArrayList<>();
        Json.MAPPER.readTree(Harness.get(Harness.base(receiver) + "/api/v1/alerts").body()).forEach(alerts::add);
        return alerts;
    }

    // ---- the old client --------------------------------------------------------------------------------------

    private HttpResponse<String> post(String url, Map<String, byte[]> fields, Map<String, byte[]> files) throws Exception {
        String boundary = "----oldsender" + System.nanoTime();
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (var field : fields.entrySet()) {
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + field.getKey()
                    + "\"\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(field.getValue());
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        for (var file : files.entrySet()) {
            String type = file.getKey().equals("video") ? "video/x-msvideo" : "image/jpeg";
            body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + file.getKey()
                    + "\"; filename=\"" + file.getKey() + ".bin\"\r\nContent-Type: " + type + "\r\n\r\n").getBytes(StandardCharsets.UTF_8));
            body.writeBytes(file.getValue());
            body.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        body.writeBytes(("--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return http.send(HttpRequest.newBuilder(URI.create(url))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> postJson(String url, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(url)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void datagram(DatagramSocket udp, int port, String json) throws Exception {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        udp.send(new DatagramPacket(bytes, bytes.length, InetAddress.getLoopbackAddress(), port));
    }

    private static byte[] json(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /** An MJPEG AVI as an old sender's recorder writes it. */
    private byte[] avi(List<byte[]> jpegs) throws Exception {
        Path file = dir.resolve("clip.avi");
        OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(file.toFile(), 320, 240, 0)) {
            recorder.setFormat("avi");
            recorder.setVideoCodec(avcodec.AV_CODEC_ID_MJPEG);
            recorder.setPixelFormat(org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUVJ420P);
            recorder.setFrameRate(10);
            recorder.setVideoQuality(1);
            recorder.start();
            for (byte[] jpeg : jpegs) {
                try (var encoded = new org.bytedeco.opencv.opencv_core.Mat(jpeg);
                     var image = org.bytedeco.opencv.global.opencv_imgcodecs.imdecode(encoded,
                             org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR)) {
                    recorder.record(converter.convert(image));
                }
            }
            recorder.stop();
        }
        return Files.readAllBytes(file);
    }

    private static List<Long> range(int count) {
        return LongStream.range(0, count).boxed().toList();
    }
}
