package io.sightline;

import com.fasterxml.jackson.databind.JsonNode;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.rectangle;

/**
 * {@code sightline.stream.mode=event} end to end: a video that is still except for a box moving through frames
 * 120-159, the motion detector on the sender, and the receiver: exactly one segment, the event with its
 * pre-roll and post-roll, complete and in order.
 */
class EventModeTest {

    @TempDir
    Path dir;

    @Test
    void onlyTheEventWithItsPreRollAndPostRollIsStreamedAsOneSegment() throws Exception {
        Path video = Harness.video(dir.resolve("event.mkv"), 400, 20, n -> {
            Mat image = new Mat(480, 640, CV_8UC3, new Scalar(90, 90, 90, 0));
            if (n >= 120 && n < 160) {
                int x = 40 + (n - 120) * 10;
                rectangle(image, new Rect(x, 140, 200, 200), new Scalar(255, 255, 255, 0), -1, 8, 0);
            }
            return image;
        });
        Map<String, String> receiver = Harness.receiver(dir.resolve("data"));
        Map<String, String> sender = Harness.sender(receiver, "event-cam", video.toString());
        sender.put("sightline.source.loop", "false");
        sender.put("sightline.stream.mode", "event");
        sender.put("sightline.detector.motion.min-area", "0.05");
        try (Sightline r = Sightline.start(receiver); Sightline s = Sightline.start(sender)) {
            await().atMost(Duration.ofSeconds(60)).until(() -> Segments.sidecars(dir.resolve("data"), "event-cam").size() >= 1);
            List<Path> sidecars = Segments.sidecars(dir.resolve("data"), "event-cam");
            assertThat(sidecars).hasSize(1);
            JsonNode segment = Segments.read(sidecars.get(0));
            assertThat(segment.get("segment").asText()).contains("-e00000");
            assertThat(segment.get("completedBy").asText()).isEqualTo("predicate"); // the flagged last frame
            assertThat(segment.get("missingFrames")).isEmpty();

            List<Long> detected = new ArrayList<>();
            segment.get("detections").forEach(d -> detected.add(d.get("frame").asLong()));
            long firstDetection = detected.stream().min(Long::compare).orElseThrow();
            long lastDetection = detected.stream().max(Long::compare).orElseThrow();
            assertThat(firstDetection).isBetween(118L, 122L);
            assertThat(lastDetection).isBetween(155L, 161L);
            long preRoll = firstDetection - segment.get("firstFrame").asLong();
            long postRoll = segment.get("lastFrame").asLong() - lastDetection;
            System.out.printf("EVENT pre-roll %d frames, post-roll %d frames (20 fps: 60 and 100 nominal)%n", preRoll, postRoll);
            // the capture scheduler ticks every 50 ms; a late tick can shift a frame across the pre/post-roll edge
            assertThat(preRoll).isBetween(58L, 61L);
            assertThat(postRoll).isBetween(99L, 101L);
            // the decoded segment holds every frame of the event
            assertThat(Segments.decode(Segments.video(sidecars.get(0))).markers())
                    .hasSize(segment.get("frameCount").asInt());
        }
    }
}
