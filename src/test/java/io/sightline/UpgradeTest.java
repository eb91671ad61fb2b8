package io.sightline;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The receiver keeps the best copy of every frame: a segment written from reduced live copies is written again,
 * under the same name, as the full-quality copies arrive (in two parts here, as an archive lane would backfill
 * them), and in the end decodes to every frame at full size; a reduced copy after the full one is a duplicate, a
 * full one after the reduced one is not.
 */
class UpgradeTest {

    private static final int FRAMES = 20;

    @TempDir
    Path dir;

    private Map<String, String> receiver;

    private int post(long frame, byte[] jpeg, String quality) throws Exception {
        Map<String, String> headers = Harness.frameHeaders("up-cam", "s1", frame, 1_800_000_000_000L + frame * 50, "s1-00000",
                frame == FRAMES - 1);
        headers.put("Sightline-Quality", quality);
        HttpResponse<String> answer = Harness.post(Harness.base(receiver) + "/api/v1/frames", headers, jpeg);
        assertThat(answer.statusCode()).as(answer.body()).isIn(200, 201);
        return answer.statusCode();
    }

    private JsonNode sidecar(Path data) throws Exception {
        List<Path> sidecars = Segments.sidecars(data, "up-cam");
        assertThat(sidecars).as("one segment, no late companion").hasSize(1);
        return Segments.read(sidecars.get(0));
    }

    private static List<String> qualities(JsonNode sidecar) {
        List<String> q = new ArrayList<>();
        sidecar.path("frames").forEach(f -> q.add(f.path("quality").asText()));
        return q;
    }

    @Test
    void aSegmentOfReducedCopiesIsRewrittenWithTheFullCopiesAsTheyArrive() throws Exception {
        Path data = dir.resolve("data");
        receiver = Harness.receiver(data);
        receiver.put("sightline.segment.idle-timeout-ms", "1000");
        List<byte[]> reduced = Harness.syntheticJpegs(320, 240, 40, FRAMES);
        List<byte[]> full = Harness.syntheticJpegs(640, 480, 80, FRAMES);
        try (Sightline r = Sightline.start(receiver)) {
            for (int f = 0; f < FRAMES; f++) {
                assertThat(post(f, reduced.get(f), "reduced")).isEqualTo(201);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> Segments.sidecars(data, "up-cam").size() == 1);
            assertThat(qualities(sidecar(data))).containsOnly("reduced").hasSize(FRAMES);
            assertThat(sidecar(data).path("width").asInt()).isEqualTo(320);

            // the first half of the full copies: an upgrade, not a duplicate; then a reduced copy again is one
            for (int f = 0; f < FRAMES / 2; f++) {
                assertThat(post(f, full.get(f), "full")).isEqualTo(201);
            }
            assertThat(post(3, reduced.get(3), "reduced")).as("reduced after full").isEqualTo(200);
            await().atMost(Duration.ofSeconds(20)).until(() -> qualities(sidecar(data)).indexOf("reduced") == FRAMES / 2);
            assertThat(qualities(sidecar(data)).subList(FRAMES / 2, FRAMES)).containsOnly("reduced");

            for (int f = FRAMES / 2; f < FRAMES; f++) {
                assertThat(post(f, full.get(f), "full")).isEqualTo(201);
            }
            assertThat(post(5, full.get(5), "full")).as("full after full").isEqualTo(200);
            await().atMost(Duration.ofSeconds(20)).until(() -> !qualities(sidecar(data)).contains("reduced"));
            JsonNode done = sidecar(data);
            assertThat(done.path("frameCount").asInt()).isEqualTo(FRAMES);
            assertThat(done.path("width").asInt()).isEqualTo(640);
            Segments.Decoded decoded = Segments.decode(Segments.video(Segments.sidecars(data, "up-cam").get(0)));
            assertThat(decoded.markers()).isEqualTo(LongStream.range(0, FRAMES).boxed().toList());
            assertThat(MonitoringTest.value(MonitoringTest.scrape(receiver), "sightline_segments_upgraded_total")).isEqualTo(2);
        }
        // nothing of the segment is left in the incoming area: every copy was released
        await().atMost(Duration.ofSeconds(10)).until(() -> !java.nio.file.Files.exists(
                data.resolve("incoming/up-cam/s1/s1-00000/frames.log")));
    }
}
