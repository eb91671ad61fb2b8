package io.sightline;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.capture.JpegEncoder;
import io.sightline.capture.SyntheticSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** sightline.segment.codec=h264: the segment is transcoded and still holds every frame, in order, at its time. */
class H264SegmentTest {

    @TempDir
    Path data;

    @Test
    void transcodedSegmentDecodesToTheFramesSent() throws Exception {
        Map<String, String> settings = Harness.receiver(data);
        settings.put("sightline.segment.codec", "h264");
        int frames = 30;
        long t = 1_700_000_000_000L;
        try (Sightline receiver = Sightline.start(settings)) {
            SyntheticSource scene = new SyntheticSource(320, 240);
            scene.open();
            JpegEncoder encoder = new JpegEncoder(90);
            for (int i = 0; i < frames; i++) {
                byte[] jpeg = encoder.encode(scene.grab());
                // frame 10 is lost: the video keeps the gap in time
                if (i != 10) {
                    assertThat(Harness.post(Harness.base(settings) + "/api/v1/frames",
                            Harness.frameHeaders("h264-cam", "s", i, t + i * 50L, "seg", i == frames - 1), jpeg)
                            .statusCode()).isEqualTo(201);
                }
            }
            scene.close();
            await().atMost(Duration.ofSeconds(60)).until(() -> Segments.sidecars(data, "h264-cam").size() == 1);
        }
        Path sidecar = Segments.sidecars(data, "h264-cam").get(0);
        JsonNode meta = Segments.read(sidecar);
        assertThat(meta.get("codec").asText()).isEqualTo("h264");
        assertThat(meta.get("missingFrames")).extracting(JsonNode::asLong).containsExactly(10L);
        Segments.Decoded decoded = Segments.decode(Segments.video(sidecar));
        assertThat(decoded.markers()).isEqualTo(LongStream.range(0, frames).filter(i -> i != 10).boxed().toList());
        assertThat(decoded.timestampsMillis()).isEqualTo(
                LongStream.range(0, frames).filter(i -> i != 10).map(i -> i * 50).boxed().toList());
        long[] probe = Segments.ffprobe(Segments.video(sidecar));
        if (probe != null) {
            assertThat(probe[1]).isEqualTo(frames - 1);
        }
    }
}
