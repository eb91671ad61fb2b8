package io.sightline;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * role=all from a video file with a marker in every frame, back to segment files decoded frame by frame; over each
 * of the sender's transports (the frame stream, a POST per frame).
 */
class EndToEndTest {

    static final int FRAMES = 60;
    static final int FPS = 20;
    static final long INTERVAL = 1000 / FPS;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"stream", "http"})
    void segmentsHoldExactlyTheFramesSentInOrderWithTheirDetectionsAndCaptureTiming(String transport) throws Exception {
        Path video = Harness.markedVideo(dir, FRAMES, 320, 240, FPS);
        Path data = dir.resolve("data");
        Map<String, String> settings = Harness.receiver(data);
        settings.put("sightline.role", "all");
        settings.put("sightline.device-id", "marked-cam");
        settings.put("sightline.sender.transport", transport);
        settings.put("sightline.source", video.toString());
        settings.put("sightline.source.loop", "false");
        settings.put("sightline.capture.fps", String.valueOf(FPS));
        settings.put("sightline.capture.width", "320");
        settings.put("sightline.capture.height", "240");
        settings.put("sightline.segment.seconds", "1");
        settings.put("sightline.segment.idle-timeout-ms", "1000");

        try (Sightline ignored = Sightline.start(settings)) {
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> Segments.framesWritten(data, "marked-cam") >= FRAMES);
            // the frames came the chosen way: on the stream, or each as a POST
            String metrics = Harness.managementGet(settings, "/observe/metrics").body();
            assertThat(metrics.contains("sightline_stream_frames_total{device=\"marked-cam\"} " + FRAMES + ".0"))
                    .as("%d frames on the stream", FRAMES).isEqualTo(transport.equals("stream"));
        }

        List<Path> sidecars = Segments.sidecars(data, "marked-cam");
        assertThat(sidecars).hasSizeGreaterThanOrEqualTo(3);
        List<Long> markers = new ArrayList<>();
        List<Long> frameNumbers = new ArrayList<>();
        int detections = 0;
        for (Path sidecar : sidecars) {
            JsonNode meta = Segments.read(sidecar);
            assertThat(meta.get("device").asText()).isEqualTo("marked-cam");
            assertThat(meta.get("missingFrames")).isEmpty();
            Segments.Decoded decoded = Segments.decode(Segments.video(sidecar));
            markers.addAll(decoded.markers());

            // every frame sits at its capture time relative to the first frame of the segment
            long first = meta.get("firstCaptureTime").asLong();
            List<Long> expectedTimes = new ArrayList<>();
            meta.get("frames").forEach(f -> {
                expectedTimes.add(f.get("captureTime").asLong() - first);
                frameNumbers.add(f.get("frame").asLong());
            });
            assertThat(decoded.timestampsMillis()).isEqualTo(expectedTimes);

            long span = meta.get("lastCaptureTime").asLong() - first;
            assertThat(decoded.lengthMillis()).isBetween(span, span + INTERVAL);
            long[] probe = Segments.ffprobe(Segments.video(sidecar));
            if (probe != null) {
                assertThat(probe[0]).as("ffprobe duration").isBetween(span, span + INTERVAL);
                assertThat(probe[1]).as("ffprobe frames").isEqualTo(meta.get("frameCount").asLong());
            }

            for (JsonNode d : meta.get("detections")) {
                detections++;
                assertThat(d.get("label").asText()).isEqualTo("motion");
                assertThat(d.get("box").get(2).asInt()).isLessThanOrEqualTo(320);
                assertThat(d.get("box").get(3).asInt()).isLessThanOrEqualTo(240);
            }
        }
        List<Long> expected = LongStream.range(0, FRAMES).boxed().toList();
        assertThat(markers).isEqualTo(expected);
        assertThat(frameNumbers).isEqualTo(expected);
        assertThat(detections).isPositive();
        assertThat(Segments.filesUnder(data.resolve("incoming/marked-cam"))).as("frames left in incoming").isEmpty();
    }
}
