package io.sightline;

import io.sightline.capture.JpegEncoder;
import io.sightline.capture.SyntheticSource;
import io.sightline.wire.DeviceKeys;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.OpenCVFrameConverter;

import org.bytedeco.opencv.opencv_core.Mat;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/** Starts real Sightline processes (in this JVM) on free ports, and speaks HTTP to them. */
public final class Harness {

    static final HttpClient HTTP = HttpClient.newHttpClient();
    /** The receivers' master key in this test run. */
    static final String MASTER = DeviceKeys.random();
    /** The receivers' operator token in this test run. */
    static final String OPERATOR = DeviceKeys.random();
    /** The management token (metrics, health details) of the processes in this test run. */
    static final String MANAGEMENT_TOKEN = DeviceKeys.random();
    /** The Hawtio password of the processes that run Hawtio in this test run. */
    static final String HAWTIO_PASSWORD = DeviceKeys.random();

    static {
        // the tests' own JavaCV work (making videos, reading segments) is as quiet as Sightline's default
        io.sightline.monitor.FfmpegLog.setLevel("error");
    }

    private Harness() {
    }

    static int freeTcpPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static int freeUdpPort() throws IOException {
        try (DatagramSocket s = new DatagramSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Settings for a receiver on free loopback ports writing under {@code data}. */
    static Map<String, String> receiver(Path data) throws IOException {
        Map<String, String> p = new HashMap<>();
        p.put("sightline.role", "receiver");
        p.put("sightline.receiver.bind", "127.0.0.1");
        p.put("sightline.receiver.host", "127.0.0.1");
        p.put("sightline.receiver.http-port", String.valueOf(freeTcpPort()));
        p.put("sightline.receiver.udp-port", String.valueOf(freeUdpPort()));
        p.put("sightline.data-dir", data.toString());
        p.put("sightline.spool.dir", data.resolve("spool").toString());
        p.put("sightline.security.master-key", MASTER);
        p.put("sightline.operator-token", OPERATOR);
        p.put("sightline.receiver.max-fps-per-device", "100000"); // tests post as fast as they can
        // the build machine's disk is not the test's: on a nearly full one, retention would delete the segments a
        // test checks (RetentionTest tests the free-space rule on its own)
        p.put("sightline.retention.min-free-percent", "0");

        p.put("sightline.routes.reload", "false");
        p.put("sightline.management.bind", "127.0.0.1");
        p.put("sightline.management.port", String.valueOf(freeTcpPort()));
        p.put("sightline.management.token", MANAGEMENT_TOKEN);
        p.put("sightline.hawtio.enabled", "false");
        p.put("sightline.sender.command-bind", "127.0.0.1");
        p.put("sightline.sender.command-port", String.valueOf(freeUdpPort())); // for role=all
        return p;
    }

    /** Deletes {@code path} and everything under it, if it exists. */
    static void deleteTree(Path path) throws IOException {
        if (java.nio.file.Files.exists(path)) {
            try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(path)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Copies the route files of the project whose names match {@code glob} (e.g. receiver*.camel.yaml) into {@code dir}. */
    static void copyRoutes(Path dir, String glob) throws IOException {
        java.nio.file.Files.createDirectories(dir);
        try (java.nio.file.DirectoryStream<Path> files = java.nio.file.Files.newDirectoryStream(Path.of("routes"), glob)) {
            for (Path file : files) {
                java.nio.file.Files.copy(file, dir.resolve(file.getFileName()));
            }
        }
    }

    /** Alert rules under which every motion box of the synthetic scene raises an alert. */
    static void alertOnEveryMotion(Map<String, String> settings) {
        settings.put("sightline.alerts.labels", "motion");
        settings.put("sightline.alerts.min-confidence", "0");
        settings.put("sightline.alerts.min-box-area", "0");
    }

    /** Settings for a sender posting to the receiver configured by {@code receiver} (own management port). */
    static Map<String, String> sender(Map<String, String> receiver, String device, String source) throws IOException {
        Map<String, String> p = new HashMap<>(receiver);
        p.put("sightline.role", "sender");
        p.put("sightline.device-id", device);
        p.put("sightline.source", source);
        p.put("sightline.spool.dir", receiver.get("sightline.spool.dir") + "-" + device);
        p.remove("sightline.security.master-key");
        p.remove("sightline.operator-token");
        p.put("sightline.security.device-key", deviceKey(device));
        p.put("sightline.management.port", String.valueOf(freeTcpPort()));
        p.put("sightline.sender.command-port", String.valueOf(freeUdpPort()));
        return p;
    }

    static String deviceKey(String device) {
        return Base64.getEncoder().encodeToString(DeviceKeys.deviceKey(DeviceKeys.parse("master", MASTER), device));
    }

    /** The device's datagram key, for tests that send datagrams themselves. */
    static byte[] datagramKey(String device) {
        return DeviceKeys.datagramKey(DeviceKeys.deviceKey(DeviceKeys.parse("master", MASTER), device));
    }

    /** A GET of the management port with its token. */
    static HttpResponse<String> managementGet(Map<String, String> settings, String path) throws Exception {
        return managementGetAt(management(settings), path);
    }

    /** A GET with the management token from the management port at {@code management} (its base URL). */
    static HttpResponse<String> managementGetAt(String management, String path) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(management + path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + MANAGEMENT_TOKEN).build(), HttpResponse.BodyHandlers.ofString());
    }

    static String management(Map<String, String> settings) {
        return "http://127.0.0.1:" + settings.get("sightline.management.port");
    }

    static String base(Map<String, String> settings) {
        return "http://127.0.0.1:" + settings.get("sightline.receiver.http-port");
    }

    static byte[] syntheticJpeg(int width, int height, int quality) {
        return syntheticJpegs(width, height, quality, 1).get(0);
    }

    /** JPEGs of the synthetic scene, frame n carrying marker n. */
    static java.util.List<byte[]> syntheticJpegs(int width, int height, int quality, int count) {
        SyntheticSource source = new SyntheticSource(width, height);
        source.open();
        try {
            JpegEncoder encoder = new JpegEncoder(quality);
            java.util.List<byte[]> list = new java.util.ArrayList<>();
            for (int i = 0; i < count; i++) {
                list.add(encoder.encode(source.grab()));
            }
            return list;
        } finally {
            source.close();
        }
    }

    /** An MPEG-4 file whose frame n shows marker n (the synthetic scene, frame by frame). */
    public static Path markedVideo(Path dir, int frames, int width, int height, int fps) throws Exception {
        SyntheticSource scene = new SyntheticSource(width, height);
        scene.open();
        try {
            return video(dir.resolve("marked-" + width + "x" + height + "-" + frames + ".mkv"), frames, fps, n -> scene.grab());
        } finally {
            scene.close();
        }
    }

    /** An MPEG-4 file of {@code frames} images drawn by {@code frame}, all of one size. */
    static Path video(Path file, int frames, int fps, java.util.function.IntFunction<Mat> frame) throws Exception {
        OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
        Mat first = frame.apply(0);
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(file.toFile(), first.cols(), first.rows(), 0)) {
            recorder.setFormat("matroska");
            recorder.setVideoCodec(avcodec.AV_CODEC_ID_MPEG4);
            recorder.setFrameRate(fps);
            recorder.setVideoQuality(2);
            recorder.start();
            recorder.record(converter.convert(first));
            for (int i = 1; i < frames; i++) {
                recorder.record(converter.convert(frame.apply(i)));
            }
            recorder.stop();
        }
        return file;
    }

    static HttpResponse<String> post(String url, Map<String, String> headers, byte[] body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A GET as an operator (Hawtio ignores the bearer token). */
    static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(operator(url).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** An operator's {@code POST /api/v1/devices/{device}/commands}. */
    static HttpResponse<String> command(Map<String, String> receiver, String device, String command) throws Exception {
        return HTTP.send(operator(base(receiver) + "/api/v1/devices/" + device + "/commands")
                .POST(HttpRequest.BodyPublishers.ofString("{\"command\":\"" + command + "\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    static HttpRequest.Builder operator(String url) {
        // bounded: a request must never hang a test (await() retries what fails)
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer " + OPERATOR);
    }

    static String deviceToken(String device) {
        return DeviceKeys.httpToken(device, DeviceKeys.deviceKey(DeviceKeys.parse("master", MASTER), device));
    }

    static Map<String, String> frameHeaders(String device, String stream, long frame, long captureTime, String segment,
                                            boolean last) {
        Map<String, String> h = new HashMap<>();
        h.put("Content-Type", "image/jpeg");
        h.put("Authorization", "Bearer " + deviceToken(device));
        h.put("Sightline-Device", device);
        h.put("Sightline-Stream", stream);
        h.put("Sightline-Frame", String.valueOf(frame));
        h.put("Sightline-Capture-Time", String.valueOf(captureTime));
        h.put("Sightline-Segment", segment);
        h.put("Sightline-Segment-Last", String.valueOf(last));
        return h;
    }
}
