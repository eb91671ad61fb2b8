package io.sightline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.sightline.alert.Alert;
import io.sightline.capture.FrameMarker;
import io.sightline.capture.SyntheticSource;
import io.sightline.index.RecordingIndex;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.Detection;
import io.sightline.wire.Json;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.opencv.opencv_core.Mat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

/**
 * {@code bin/bench review}: the operator's day. The recording index at 30 days x 10 cameras of 10-second segments
 * (2.6 million segments, a detection-heavy tenth of them) - its build, a day's listing, a time-range query, a day's
 * activity and "alerts with label person last week" - next to the listing it replaces (one camera-day of sidecar
 * files parsed, measured in the same run), and its rebuild rate from sidecar files. Then span playback: a receiver
 * with a minute of 640x480 recording at 20 fps, the time to the first byte of a span's video not yet made and of
 * one made already, and of a seek (a range in its middle), next to the JPEG decode of the same frames (the floor of
 * the work). Writes target/review-benchmark.txt.
 */
public final class ReviewBenchmark {

    private static final int DAYS = Integer.getInteger("bench.days", 30);
    private static final int CAMERAS = Integer.getInteger("bench.cameras", 10);
    private static final int SEGMENT_SECONDS = 10;
    private static final int FPS = 20;
    private static final int RUNS = 21;

    private final Path work;
    private final List<String> lines = new ArrayList<>();

    private ReviewBenchmark(Path work) {
        this.work = work;
    }

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("sightline-review-bench");
        try {
            ReviewBenchmark bench = new ReviewBenchmark(work);
            bench.line(String.format(Locale.ROOT, "%-58s | %12s | %s", "case", "median", "notes"));
            bench.line("-".repeat(130));
            bench.index();
            bench.playback();
            Files.write(Path.of("target", "review-benchmark.txt"), bench.lines);
        } finally {
            Harness.deleteTree(work); // ~1 GB of index and segments
        }
        System.exit(0);
    }

    private void index() throws Exception {
        SightlineMetrics metrics = new SightlineMetrics(new SimpleMeterRegistry());
        Path segments = Files.createDirectories(work.resolve("segments"));
        long day0 = LocalDate.now(ZoneOffset.UTC).minusDays(DAYS - 1).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        int perDay = 86_400 / SEGMENT_SECONDS;
        try (RecordingIndex index = new RecordingIndex(work.resolve("index.db"), segments, work.resolve("alerts.jsonl"), metrics)) {
            long started = System.nanoTime();
            long segmentsIndexed = 0;
            long detections = 0;
            for (int camera = 0; camera < CAMERAS; camera++) {
                for (int d = 0; d < DAYS; d++) {
                    String day = LocalDate.ofEpochDay(day0 / 86_400_000L + d).toString();
                    List<JsonNode> docs = new ArrayList<>(perDay);
                    for (int s = 0; s < perDay; s++) {
                        long start = day0 + d * 86_400_000L + s * SEGMENT_SECONDS * 1000L;
                        boolean busy = s % 10 == 0; // a tenth of the segments with 20 detections each
                        docs.add(sidecar("cam-" + camera, "seg-" + d + "-" + s, start, busy ? 20 : 0, false));
                        detections += busy ? 20 : 0;
                    }
                    index.putAll(docs, day);
                    segmentsIndexed += perDay;
                }
            }
            double buildSeconds = (System.nanoTime() - started) / 1e9;
            List<Alert> alerts = new ArrayList<>();
            for (int camera = 0; camera < CAMERAS; camera++) {
                for (int i = 0; i < DAYS * 20; i++) {
                    long t = day0 + (long) i * 86_400_000L / 20;
                    String label = List.of("person", "car", "dog").get(i % 3);
                    alerts.add(new Alert(UUID.randomUUID().toString(), "cam-" + camera, "s1", i, t, t, "http",
                            List.of(new Detection(label, 0.9, new int[] {1, 1, 50, 50})), "seg", "d", true, null, null, t, null, null));
                }
            }
            alerts.forEach(index::alert);
            line(String.format(Locale.ROOT, "%-58s | %10.1f s | %,d segments, %,d detections, %,d alerts; %.0f segments/s; %,d MB",
                    "index build (" + DAYS + " days x " + CAMERAS + " cameras, 10 s segments)", buildSeconds, segmentsIndexed,
                    detections, alerts.size(), segmentsIndexed / buildSeconds, Files.size(work.resolve("index.db")) >> 20));

            String someDay = LocalDate.ofEpochDay(day0 / 86_400_000L + DAYS / 2).toString();
            long hour = day0 + (DAYS / 2) * 86_400_000L + 12 * 3_600_000L;
            report("index: a day's listing (8,640 segments)", () -> index.segments("cam-3", someDay).size());
            report("index: segments overlapping one hour", () -> index.overlapping("cam-3", hour, hour + 3_600_000L).size());
            report("index: a day's activity (288 parts)", () -> index.activity("cam-3", someDay, 288).size());
            long weekAgo = day0 + (DAYS - 7) * 86_400_000L;
            report("index: alerts with label person, last week (all cameras)",
                    () -> index.alerts("person", null, weekAgo, null, null, 200).size());
            report("index: a device's days", () -> index.days("cam-3").size());

            // what the listing cost before: one camera-day of sidecar files, each parsed
            Path dayDir = Files.createDirectories(segments.resolve("cam-x").resolve(someDay));
            long dayStart = day0 + (DAYS / 2) * 86_400_000L;
            for (int s = 0; s < perDay; s++) {
                ObjectNode doc = sidecar("cam-x", "seg-" + s, dayStart + s * SEGMENT_SECONDS * 1000L, s % 10 == 0 ? 20 : 0, true);
                Files.write(dayDir.resolve("seg-" + s + ".json"), Json.MAPPER.writeValueAsBytes(doc));
            }
            report("reference: a day's listing from its 8,640 sidecar files", () -> {
                int n = 0;
                try (Stream<Path> files = Files.list(dayDir)) {
                    for (Path p : files.toList()) {
                        n += Json.MAPPER.readTree(p.toFile()).path("frameCount").asInt() > 0 ? 1 : 0;
                    }
                }
                return n;
            });
            long rebuild = System.nanoTime();
            int read = index.reconcile();
            double rebuildSeconds = (System.nanoTime() - rebuild) / 1e9;
            line(String.format(Locale.ROOT, "%-58s | %10.2f s | %d day directory, %.0f sidecars/s: %,.0f s for all %,d",
                    "index rebuild from sidecar files (one camera-day)", rebuildSeconds, read, perDay / rebuildSeconds,
                    segmentsIndexed / (perDay / rebuildSeconds), segmentsIndexed));
        }
    }

    /**
     * A sidecar as the segment writer writes it, with {@code detections} detections, and its 200 frames when it is
     * written to a file (the index reads no frame, so the rows made in memory leave them out).
     */
    private static ObjectNode sidecar(String device, String segment, long start, int detections, boolean withFrames) {
        ObjectNode doc = Json.MAPPER.createObjectNode();
        doc.put("device", device).put("stream", "s1").put("segment", segment).put("video", segment + ".mkv")
                .put("codec", "mjpeg").put("width", 640).put("height", 480).put("firstCaptureTime", start)
                .put("lastCaptureTime", start + SEGMENT_SECONDS * 1000L - 50).put("durationMillis", SEGMENT_SECONDS * 1000L)
                .put("frameCount", SEGMENT_SECONDS * FPS).put("completedBy", "predicate");
        doc.putArray("missingFrames");
        ArrayNode frames = doc.putArray("frames");
        for (int i = 0; withFrames && i < SEGMENT_SECONDS * FPS; i++) {
            frames.addObject().put("frame", i).put("captureTime", start + i * 50L).put("quality", "full");
        }
        ArrayNode found = doc.putArray("detections");
        for (int i = 0; i < detections; i++) {
            ObjectNode d = found.addObject().put("frame", i * 10).put("captureTime", start + i * 500L).put("label", "person")
                    .put("confidence", 0.8);
            d.putArray("box").add(10).add(10).add(100).add(200);
        }
        return doc;
    }

    private void playback() throws Exception {
        Map<String, String> receiver = Harness.receiver(work.resolve("rx"));
        receiver.put("sightline.receiver.max-fps-per-device", "1000");
        long t0 = System.currentTimeMillis() - 90_000;
        int frames = 60 * FPS;
        List<byte[]> jpegs = new ArrayList<>();
        SyntheticSource scene = new SyntheticSource(640, 480);
        scene.open();
        try {
            for (int i = 0; i < frames; i++) {
                Mat image = scene.grab(); // the source's own picture, drawn again on the next grab: not closed here
                try (BytePointer out = new BytePointer()) {
                    FrameMarker.stamp(image, i);
                    imencode(".jpg", image, out);
                    byte[] bytes = new byte[(int) out.limit()];
                    out.get(bytes);
                    jpegs.add(bytes);
                }
            }
        } finally {
            scene.close();
        }
        long decode = System.nanoTime();
        for (byte[] jpeg : jpegs) {
            try (Mat bytes = new Mat(jpeg); Mat image = imdecode(bytes, IMREAD_COLOR)) {
                image.cols();
            }
        }
        double decodeMillis = (System.nanoTime() - decode) / 1e6;
        try (Sightline rx = Sightline.start(receiver)) {
            String base = Harness.base(receiver);
            for (int i = 0; i < frames; i++) {
                Map<String, String> headers = Harness.frameHeaders("play-cam", "s1", i, t0 + i * 50L, "seg-" + i / 200,
                        i % 200 == 199);
                HttpResponse<String> r = Harness.post(base + "/api/v1/frames", headers, jpegs.get(i));
                if (r.statusCode() != 201) {
                    throw new IllegalStateException("frame " + i + ": " + r.statusCode() + " " + r.body());
                }
            }
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> Segments
                    .filesUnder(work.resolve("rx").resolve("segments")).stream().filter(p -> p.toString().endsWith(".json")).count() == 6);
            String span = base + "/api/v1/devices/play-cam/video?start=" + (t0 + 5_000) + "&end=" + (t0 + 55_000);
            double first = timed(span, "bytes=0-");
            double cached = timed(span, "bytes=0-");
            HttpResponse<byte[]> whole = Harness.HTTP.send(Harness.operator(span).build(), HttpResponse.BodyHandlers.ofByteArray());
            int size = whole.body().length;
            double seek = timed(span, "bytes=" + size / 2 + "-");
            line(String.format(Locale.ROOT, "%-58s | %9.0f ms | 50 s, 1,000 frames 640x480 at 20 fps across 6 segments: "
                    + "%.2f ms per frame; reference JPEG decode alone %.2f ms per frame (%.1fx)", "span video, first request (made now)",
                    first, first / 1000, decodeMillis / frames, (first / 1000) / (decodeMillis / frames)));
            line(String.format(Locale.ROOT, "%-58s | %9.1f ms | %,d bytes (%.0f kbit/s)", "span video, made already (first range)",
                    cached, size, size * 8.0 / 50 / 1000));
            line(String.format(Locale.ROOT, "%-58s | %9.1f ms | a range from the middle", "span video, a seek", seek));
        }
    }

    private double timed(String url, String range) throws Exception {
        long started = System.nanoTime();
        HttpResponse<byte[]> r = Harness.HTTP.send(Harness.operator(url).header("Range", range).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 206) {
            throw new IllegalStateException(url + ": " + r.statusCode());
        }
        return (System.nanoTime() - started) / 1e6;
    }

    private void report(String name, Callable<Integer> query) throws Exception {
        List<Double> times = new ArrayList<>();
        int rows = 0;
        for (int i = 0; i < RUNS; i++) {
            long started = System.nanoTime();
            rows = query.call();
            times.add((System.nanoTime() - started) / 1e6);
        }
        times.sort(null);
        line(String.format(Locale.ROOT, "%-58s | %9.2f ms | %,d rows; p90 %.2f ms (%d runs)", name, times.get(RUNS / 2), rows,
                times.get(RUNS * 9 / 10), RUNS));
    }

    private void line(String text) {
        System.out.println(text);
        lines.add(text);
    }

    static {
        Locale.setDefault(Locale.ROOT);
    }
}
