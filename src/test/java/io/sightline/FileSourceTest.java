package io.sightline;

import com.fasterxml.jackson.databind.JsonNode;
import org.apache.camel.component.scheduler.SchedulerEndpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A video file as the source: a 24 fps file is recorded at 24 fps (capture times from the file's own timestamps,
 * whatever sightline.capture.fps says), the frame before the end completes its segment at once (no idle
 * timeout), and looping starts a new segment.
 */
class FileSourceTest {

    @TempDir
    Path dir;

    @Test
    void aFileIsRecordedAtItsOwnRateItsEndCompletesTheSegmentAndALoopStartsANewOne() throws Exception {
        Path video = Harness.markedVideo(dir, 60, 640, 480, 24);           // 2.5 s
        Map<String, String> receiver = Harness.receiver(dir.resolve("data"));
        receiver.put("sightline.segment.seconds", "1");
        receiver.put("sightline.segment.idle-timeout-ms", "60000");         // only the flagged last frame completes
        Map<String, String> looping = Harness.sender(receiver, "loop-cam", video.toString());
        looping.put("sightline.source.loop", "true");
        looping.put("sightline.capture.fps", "10");                        // not the file's rate: the file's wins
        Map<String, String> once = Harness.sender(receiver, "once-cam", video.toString());
        once.put("sightline.source.loop", "false");
        try (Sightline r = Sightline.start(receiver); Sightline l = Sightline.start(looping); Sightline o = Sightline.start(once)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> frames(dir, "loop-cam").size() >= 130
                    && frames(dir, "once-cam").size() == 60);

            for (String device : List.of("loop-cam", "once-cam")) {
                TreeMap<Long, JsonNode> segments = segmentsByFirstFrame(dir, device);
                assertThat(segments.values()).allSatisfy(s -> {
                    assertThat(s.path("completedBy").asText()).as("%s", s).isEqualTo("predicate");
                    assertThat(s.path("missingFrames")).isEmpty();
                });
                // a run of 60 frames in 1 s segments of 24 frames (the file's rate), the last one ending with the run
                assertThat(segments.keySet()).startsWith(0L, 24L, 48L);
                assertThat(segments.get(48L).path("lastFrame").asLong()).isEqualTo(59);

                TreeMap<Long, Long> times = frames(dir, device);
                for (long frame = 1; frame < 60; frame++) {
                    assertThat(times.get(frame) - times.get(frame - 1)).as("frame %d of %s", frame, device).isBetween(41L, 42L);
                }
                // the segment plays at the file's speed: 24 frames over a second
                Segments.Decoded decoded = Segments.decode(Segments.video(Segments.sidecars(dir.resolve("data"), device).stream()
                        .filter(p -> Segments.read(p).path("firstFrame").asLong() == 0).findFirst().orElseThrow()));
                assertThat(decoded.markers()).hasSize(24).startsWith(0L, 1L, 2L);
                assertThat(decoded.timestampsMillis().get(23) - decoded.timestampsMillis().get(0)).isBetween(955L, 960L);
            }
            assertThat(segmentsByFirstFrame(dir, "once-cam").keySet()).containsExactly(0L, 24L, 48L);
            // each run starts a segment of its own
            assertThat(segmentsByFirstFrame(dir, "loop-cam").keySet()).startsWith(0L, 24L, 48L, 60L, 84L, 108L, 120L);
        }
    }

    /**
     * The capture scheduler's period is in nanoseconds: a file sent as fast as it goes (4,000 fps asked) is not held
     * to a tick per millisecond, and a 24 fps file at its own pace ticks every 41,666,666 ns (never slower than it).
     */
    @Test
    void theCaptureSchedulerTicksInNanoseconds() throws Exception {
        Path video = Harness.markedVideo(dir, 24, 160, 120, 24);
        Map<String, String> receiver = Harness.receiver(dir.resolve("data"));
        Map<String, String> flatOut = Harness.sender(receiver, "fast-cam", video.toString());
        flatOut.put("sightline.source.file-pace", "capture");
        flatOut.put("sightline.capture.fps", "4000");
        Map<String, String> ownPace = Harness.sender(receiver, "paced-cam", video.toString());
        try (Sightline fast = Sightline.start(flatOut); Sightline paced = Sightline.start(ownPace)) {
            for (var expected : Map.of(fast, 250_000L, paced, 41_666_666L).entrySet()) {
                SchedulerEndpoint capture = (SchedulerEndpoint) expected.getKey().context().getRoute("capture").getEndpoint();
                assertThat(capture.getTimeUnit()).isEqualTo(TimeUnit.NANOSECONDS);
                assertThat(capture.getDelay()).isEqualTo(expected.getValue());
                assertThat(capture.isUseFixedDelay()).as("fixed rate").isFalse();
                assertThat(capture.getInitialDelay()).as("the first frame at once").isZero();
            }
        }
    }

    private static TreeMap<Long, JsonNode> segmentsByFirstFrame(Path dir, String device) throws Exception {
        TreeMap<Long, JsonNode> segments = new TreeMap<>();
        for (Path sidecar : Segments.sidecars(dir.resolve("data"), device)) {
            JsonNode doc = Segments.read(sidecar);
            segments.put(doc.path("firstFrame").asLong(), doc);
        }
        return segments;
    }

    /** Every frame in a segment, with its capture time. */
    private static TreeMap<Long, Long> frames(Path dir, String device) throws Exception {
        TreeMap<Long, Long> frames = new TreeMap<>();
        for (JsonNode segment : new ArrayList<>(segmentsByFirstFrame(dir, device).values())) {
            segment.path("frames").forEach(f -> frames.put(f.path("frame").asLong(), f.path("captureTime").asLong()));
        }
        return frames;
    }
}
