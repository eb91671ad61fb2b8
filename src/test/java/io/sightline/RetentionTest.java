package io.sightline;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.segment.Retention;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

class RetentionTest {

    @TempDir
    Path dir;

    private static void age(Path file, Duration by) throws Exception {
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().minus(by)));
    }

    private static List<Path> threeSegments(Map<String, String> settings, Path data) throws Exception {
        byte[] jpeg = Harness.syntheticJpeg(160, 120, 80);
        String url = Harness.base(settings) + "/api/v1/frames";
        for (int segment = 0; segment < 3; segment++) {
            for (int frame = 0; frame < 2; frame++) {
                long n = segment * 2L + frame;
                Map<String, String> h = Harness.frameHeaders("kept-cam", "s", n, 1_700_000_000_000L + n * 50, "seg" + segment, frame == 1);
                h.put("Sightline-Segment-First", String.valueOf(segment * 2L));
                assertThat(Harness.post(url, h, jpeg).statusCode()).isEqualTo(201);
            }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> Segments.sidecars(data, "kept-cam").size() == 3);
        return Segments.sidecars(data, "kept-cam");
    }

    @Test
    void theRetentionRouteDeletesSegmentsPastTheirAgeButNeverAFileBeingWritten() throws Exception {
        Path data = dir.resolve("data");
        Map<String, String> settings = Harness.receiver(data);
        settings.put("sightline.retention.check-ms", "300");
        try (Sightline rx = Sightline.start(settings)) {
            List<Path> sidecars = threeSegments(settings, data);
            Path old = sidecars.get(0);
            Path oldVideo = Segments.video(old);
            Path partial = old.resolveSibling("seg9.mkv.part");
            Files.write(partial, new byte[100]);
            for (Path f : List.of(old, oldVideo, partial)) {
                age(f, Duration.ofDays(31));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> !Files.exists(old));
            assertThat(oldVideo).doesNotExist();
            assertThat(partial).exists();
            assertThat(Segments.sidecars(data, "kept-cam")).containsExactly(sidecars.get(1), sidecars.get(2));
        }
    }

    @Test
    void aboveTheByteLimitTheOldestGoFirst() throws Exception {
        Path data = dir.resolve("data");
        Map<String, String> settings = Harness.receiver(data);
        List<Path> sidecars;
        try (Sightline rx = Sightline.start(settings)) {
            sidecars = threeSegments(settings, data);
        }
        for (int i = 0; i < 3; i++) { // make the order certain: seg0 oldest
            age(sidecars.get(i), Duration.ofMinutes(30 - i));
            age(Segments.video(sidecars.get(i)), Duration.ofMinutes(30 - i));
        }
        long newest = Files.size(sidecars.get(2)) + Files.size(Segments.video(sidecars.get(2)));
        Retention retention = new Retention(data.resolve("segments"), Duration.ofDays(30), newest, 0, new SightlineMetrics(new SimpleMeterRegistry()));
        assertThat(retention.enforce()).isEqualTo(2);
        assertThat(Segments.sidecars(data, "kept-cam")).containsExactly(sidecars.get(2));
        assertThat(retention.enforce()).isZero();
    }

    @Test
    void aSegmentRenamedWhileRetentionListsTheStoreIsNoError() throws Exception {
        Path day = dir.resolve("data/segments/busy-cam/2026-12-05");
        Files.createDirectories(day);
        Retention retention = new Retention(dir.resolve("data").resolve("segments"), Duration.ofDays(30), Long.MAX_VALUE, 0,
                new SightlineMetrics(new SimpleMeterRegistry()));
        AtomicBoolean writing = new AtomicBoolean(true);
        Thread writer = new Thread(() -> { // what the segment writer does: write .part, rename over the final name
            try {
                for (int i = 0; i < 200_000 && writing.get(); i++) {
                    Path part = day.resolve("seg" + (i % 50) + ".json.part");
                    Files.write(part, new byte[10]);
                    Files.move(part, day.resolve("seg" + (i % 50) + ".json"), StandardCopyOption.ATOMIC_MOVE,
                            StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        try {
            for (int sweep = 0; sweep < 2_000 && writer.isAlive(); sweep++) {
                assertThat(retention.enforce()).isZero();
            }
        } finally {
            writing.set(false);
            writer.join(10_000);
        }
    }

    /** A file system of its own, as small as a test wants: a tmpfs (root only; CI runs as root). */
    @Test
    void onAVolumeSmallerThanTheByteLimitTheOldestGoUntilEnoughIsFree() throws Exception {
        assumeThat(ProcessHandle.current().info().user().orElse("")).as("mounting a tmpfs needs root; skipped").isEqualTo("root");
        Path volume = Files.createDirectories(dir.resolve("volume"));
        mount("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", volume.toString());
        try {
            Path day = Files.createDirectories(volume.resolve("segments/full-cam/2026-12-05"));
            for (int i = 0; i < 3; i++) { // three segments of 2 MiB: 6 of 8 MiB used
                Files.write(day.resolve("seg" + i + ".mkv"), new byte[2 * 1024 * 1024]);
                Files.writeString(day.resolve("seg" + i + ".json"), "{}");
                age(day.resolve("seg" + i + ".mkv"), Duration.ofMinutes(30 - i));
                age(day.resolve("seg" + i + ".json"), Duration.ofMinutes(30 - i));
            }
            // far below the byte limit and the age limit; 25 % free against the 40 % asked for
            Retention retention = new Retention(volume.resolve("segments"), Duration.ofDays(30), Long.MAX_VALUE, 40,
                    new SightlineMetrics(new SimpleMeterRegistry()));
            assertThat(retention.enforce()).isEqualTo(1);
            assertThat(day.resolve("seg0.mkv")).doesNotExist();
            assertThat(day.resolve("seg1.mkv")).exists();
            assertThat(day.resolve("seg2.mkv")).exists();
            assertThat(retention.enforce()).isZero();
        } finally {
            mount("umount", volume.toString());
        }
    }

    private static void mount(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS) && p.exitValue() == 0).as(out).isTrue();
    }
}
