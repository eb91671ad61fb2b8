package io.sightline.segment;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sightline.capture.JpegEncoder;
import io.sightline.capture.SyntheticSource;
import io.sightline.match.DetectionMatcher;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.FrameMeta;
import io.sightline.wire.Json;
import io.sightline.wire.JpegCheck;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The incoming area across segment writes and crashes: frames live in one log per segment until their segment is
 * written; what a crash leaves (a torn record, a log of the layout before frame logs, frames a written segment
 * already holds) is found by recovery exactly once. A "restart" here is a new {@link FrameStore} on the same
 * directory, as a new process would make.
 */
class SegmentWriterTest {

    @TempDir
    Path data;

    private final SightlineMetrics metrics = new SightlineMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    private final SyntheticSource scene = new SyntheticSource(160, 120);
    private final JpegEncoder encoder = new JpegEncoder(80);
    private final List<FrameStore> stores = new ArrayList<>();

    @BeforeEach
    void open() throws Exception {
        scene.open();
    }

    @AfterEach
    void close() throws IOException {
        scene.close();
        for (FrameStore store : stores) {
            store.close();
        }
    }

    /** Found by the kill -9 fault test in CI: a frame stored while its segment was being written must survive it. */
    @Test
    void writingASegmentKeepsAFrameThatArrivedMeanwhile() throws Exception {
        FrameStore store = store();
        List<FrameRef> stored = storeFrames(store, 11);
        writer(store).write(assembly(stored.subList(0, 10)), "predicate"); // frame 10 came after the segment's end

        Path log = data.resolve("incoming/cam/s1/seg-0/frames.log");
        assertThat(log).exists();
        assertThat(new FrameRecovery(store(), data.resolve("segments")).scan()).extracting(r -> r.meta().frame()).containsExactly(10L);

        // once the late frame is written too, the incoming directory goes
        writer(store).write(assembly(stored.subList(10, 11)), "timeout");
        assertThat(data.resolve("incoming/cam/s1/seg-0")).doesNotExist();
        try (var days = Files.list(data.resolve("segments/cam"))) {
            assertThat(days.count()).isEqualTo(1);
        }
    }

    /**
     * Found by the thin-link test: a frame's reduced copy goes into a segment while its full copy, stored into the
     * same log meanwhile, waits for the next one. Writing the first must not take the log away from the second
     * (it was deleted once the frame number was released, and the full copy then read "cut short"); the upgrade
     * then puts the full copy in, and every record of the log is released: the log goes.
     */
    @Test
    void aFullCopyStoredWhileItsReducedCopyIsWrittenSurvivesAndUpgradesTheSegment() throws Exception {
        FrameStore store = store();
        List<FrameRef> stored = storeFrames(store, 10);
        FrameRef reduced = store.store(encoder.encode(scene.grab()), meta(10), new JpegCheck.Size(160, 120), "reduced");
        FrameRef full = store(store, 10, jpeg());
        List<FrameRef> first = new ArrayList<>(stored);
        first.add(reduced);
        SegmentAssembly both = assembly(first);
        writer(store).write(both, "timeout");
        assertThat(data.resolve("incoming/cam/s1/seg-0/frames.log")).as("the full copy still needs its log").exists();

        byte[] fullImage = image(full);
        writer(store).write(assembly(List.of(full)), "timeout");
        Path sidecar;
        try (var files = Files.walk(data.resolve("segments/cam"))) {
            sidecar = files.filter(p -> p.toString().endsWith(".json")).findFirst().orElseThrow();
        }
        assertThat(Json.MAPPER.readTree(sidecar.toFile()).get("frames")).hasSize(11)
                .allSatisfy(f -> assertThat(f.get("quality").asText()).isEqualTo("full"));
        assertThat(SegmentFrames.jpegs(data.resolve(sidecar.toString().replace(".json", ".mkv")), "mjpeg").get(10))
                .isEqualTo(fullImage);
        assertThat(data.resolve("incoming/cam/s1/seg-0")).as("every record released").doesNotExist();
    }

    /** A frame stored twice in one assembly (a retry): the copy left out is released too, and the log goes. */
    @Test
    void aCopyLeftOutOfTheSegmentIsReleasedWithIt() throws Exception {
        FrameStore store = store();
        List<FrameRef> stored = storeFrames(store, 10);
        List<FrameRef> withRetry = new ArrayList<>(stored);
        withRetry.add(store(store, 3, jpeg()));
        writer(store).write(assembly(withRetry), "predicate");
        assertThat(data.resolve("incoming/cam/s1/seg-0")).doesNotExist();
    }

    /** Group commit under load: frames stored concurrently into one log all come back, byte for byte. */
    @Test
    void framesStoredConcurrentlyAreAllInTheLogIntact() throws Exception {
        FrameStore store = store();
        int threads = 8;
        int perThread = 40;
        List<byte[]> jpegs = new ArrayList<>();
        for (int frame = 0; frame < threads * perThread; frame++) {
            jpegs.add(jpeg());
        }
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(threads);
        try {
            List<java.util.concurrent.Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t * perThread;
                done.add(pool.submit(() -> {
                    for (int frame = first; frame < first + perThread; frame++) {
                        store(store, frame, jpegs.get(frame));
                    }
                }));
            }
            for (java.util.concurrent.Future<?> f : done) {
                f.get(1, java.util.concurrent.TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        List<FrameRecovery.Recovered> recovered = new FrameRecovery(store(), data.resolve("segments")).scan();
        assertThat(recovered).hasSize(threads * perThread);
        assertImages(recovered, jpegs);
    }

    /** A frame that arrives after its segment was written and its log deleted starts a new log. */
    @Test
    void aFrameAfterTheLogWasDeletedStartsANewOne() throws Exception {
        FrameStore store = store();
        List<FrameRef> stored = storeFrames(store, 3);
        writer(store).write(assembly(stored), "predicate");
        assertThat(data.resolve("incoming/cam/s1/seg-0")).doesNotExist();

        byte[] late = jpeg();
        store(store, 3, late);
        List<FrameRecovery.Recovered> recovered = new FrameRecovery(store(), data.resolve("segments")).scan();
        assertThat(recovered).extracting(r -> r.meta().frame()).containsExactly(3L);
        assertThat(image(recovered.get(0).ref())).isEqualTo(late);
    }

    @Test
    void aRecordTornByACrashIsCutOffAndTheLogStaysUsable() throws Exception {
        FrameStore before = store();
        List<byte[]> jpegs = new ArrayList<>();
        for (int frame = 0; frame < 5; frame++) {
            jpegs.add(jpeg());
            store(before, frame, jpegs.get(frame));
        }
        Path log = data.resolve("incoming/cam/s1/seg-0/frames.log");
        long complete = Files.size(log);
        // the crash: the header of frame 5 and half of its JPEG reached the disk, it was never acknowledged
        byte[] torn = jpeg();
        String header = "{\"meta\":" + Json.text(meta(5)) + ",\"width\":160,\"height\":120,\"bytes\":" + torn.length + "}\n";
        Files.write(log, header.getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        Files.write(log, java.util.Arrays.copyOf(torn, torn.length / 2), StandardOpenOption.APPEND);

        FrameStore after = store();
        List<FrameRecovery.Recovered> recovered = new FrameRecovery(after, data.resolve("segments")).scan();
        assertThat(recovered).extracting(r -> r.meta().frame()).containsExactly(0L, 1L, 2L, 3L, 4L);
        assertThat(Files.size(log)).as("torn tail cut off").isEqualTo(complete);
        assertImages(recovered, jpegs);

        byte[] resent = jpeg(); // the sender retries frame 5 after the restart: it lands after the cut
        store(after, 5, resent);
        List<FrameRecovery.Recovered> again = new FrameRecovery(store(), data.resolve("segments")).scan();
        assertThat(again).extracting(r -> r.meta().frame()).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
        assertThat(image(again.get(5).ref())).isEqualTo(resent);
    }

    @Test
    void framesAlreadyInAWrittenSegmentAreReleasedNotRecovered() throws Exception {
        FrameStore store = store();
        List<FrameRef> stored = storeFrames(store, 4);
        // the receiver died after renaming the segment into place, before releasing its frames
        Path video = data.resolve("segments/cam/1970-01-01");
        Files.createDirectories(video);
        Map<String, Object> sidecar = new LinkedHashMap<>();
        sidecar.put("frames", stored.subList(0, 3).stream().map(f -> Map.of("frame", f.frame())).toList());
        Files.write(video.resolve("seg-0.json"), Json.bytes(sidecar));

        assertThat(new FrameRecovery(store(), data.resolve("segments")).scan()).extracting(r -> r.meta().frame()).containsExactly(3L);
        assertThat(new FrameRecovery(store(), data.resolve("segments")).scan()).as("after a second restart")
                .extracting(r -> r.meta().frame()).containsExactly(3L);
    }

    @Test
    void framesStoredByTheFilePerFrameLayoutAreAdopted() throws Exception {
        Path dir = data.resolve("incoming/cam/s1/seg-0");
        Files.createDirectories(dir);
        List<byte[]> jpegs = new ArrayList<>();
        StringBuilder metadata = new StringBuilder();
        for (int frame = 0; frame < 3; frame++) {
            jpegs.add(jpeg());
            Files.write(dir.resolve(String.format("%010d.jpg", frame)), jpegs.get(frame));
            metadata.append("{\"meta\":").append(Json.text(meta(frame))).append(",\"width\":160,\"height\":120}\n");
        }
        metadata.append("{\"meta\":{\"dev"); // a line cut short by the crash
        Files.writeString(dir.resolve(FrameRecovery.LEGACY_METADATA), metadata);

        List<FrameRecovery.Recovered> recovered = new FrameRecovery(store(), data.resolve("segments")).scan();
        assertThat(recovered).extracting(r -> r.meta().frame()).containsExactly(0L, 1L, 2L);
        assertImages(recovered, jpegs);
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly(FrameLog.FILE);
        }
    }

    private FrameStore store() {
        FrameStore store = new FrameStore(data, true, metrics);
        stores.add(store);
        return store;
    }

    /** Frames 0 to count - 1, each a new image of the scene. */
    private List<FrameRef> storeFrames(FrameStore store, int count) throws Exception {
        List<FrameRef> stored = new ArrayList<>();
        for (int frame = 0; frame < count; frame++) {
            stored.add(store(store, frame, jpeg()));
        }
        return stored;
    }

    /** Each recovered frame's bytes in its log are the JPEG stored as that frame number. */
    private static void assertImages(List<FrameRecovery.Recovered> recovered, List<byte[]> jpegs) throws IOException {
        for (FrameRecovery.Recovered r : recovered) {
            assertThat(image(r.ref())).as("frame %d", r.meta().frame()).isEqualTo(jpegs.get((int) r.meta().frame()));
        }
    }

    private static byte[] image(FrameRef ref) throws IOException {
        try (FrameReader reader = new FrameReader()) {
            return reader.jpeg(ref);
        }
    }

    private SegmentWriter writer(FrameStore store) {
        return new SegmentWriter(data.resolve("segments"), store, new MjpegCopyMuxer(), new DetectionMatcher(metrics), metrics);
    }

    private static FrameMeta meta(int frame) {
        return new FrameMeta("cam", "s1", frame, 1_000 + frame * 50L, "seg-0", 0, frame == 9, List.of());
    }

    private byte[] jpeg() throws Exception {
        return encoder.encode(scene.grab());
    }

    private static FrameRef store(FrameStore store, int frame, byte[] jpeg) {
        return store.store(jpeg, meta(frame), new JpegCheck.Size(160, 120), "full");
    }

    private static SegmentAssembly assembly(List<FrameRef> frames) {
        SegmentAssembly assembly = new SegmentAssembly("cam", "s1", "seg-0");
        for (FrameRef f : frames) {
            assembly.add(f, 0, f.frame() == 9);
        }
        return assembly;
    }
}
