package io.sightline;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.wire.Detection;
import io.sightline.wire.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The recording index answers the console's listings and searches from SQLite, kept in line with the segment store:
 * three segments of a camera with a person in the middle one list by day with their counts, the day's activity
 * has the detections where they happened, "alerts with label person since T" finds the alert; a segment deleted
 * behind the receiver's back (as retention does) leaves the listing at the next reconcile pass; and an index file
 * deleted while the receiver is stopped is rebuilt from the sidecars and alerts.jsonl with the same answers.
 */
class IndexTest {

    private static final String DEVICE = "dock-cam";
    private static final long T0 = System.currentTimeMillis() - 60_000;

    @TempDir
    Path dir;

    @Test
    void listingsActivityAndAlertSearchComeFromTheIndexWhichFollowsTheStoreAndIsRebuiltWhenMissing() throws Exception {
        Map<String, String> receiver = Harness.receiver(dir);
        receiver.put("sightline.alerts.labels", "person");
        receiver.put("sightline.index.reconcile-s", "1");
        String day = Instant.ofEpochMilli(T0).atZone(ZoneOffset.UTC).toLocalDate().toString();
        List<JsonNode> before;
        JsonNode activityBefore;
        try (Sightline rx = Sightline.start(receiver)) {
            for (int frame = 0; frame < 30; frame++) { // 3 segments of 10 frames; a person in frames 12..15
                post(receiver, frame, frame >= 12 && frame <= 15);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> segments(receiver, day).size() == 3);
            before = segments(receiver, day);
            assertThat(before).extracting(s -> s.path("segment").asText()).containsExactly("seg-0", "seg-1", "seg-2");
            assertThat(before).extracting(s -> s.path("detections").asInt()).containsExactly(0, 4, 0);
            assertThat(before).extracting(s -> s.path("frames").asInt()).containsExactly(10, 10, 10);
            assertThat(json(get(receiver, "/api/v1/devices/" + DEVICE + "/days"))).extracting(JsonNode::asText).containsExactly(day);

            activityBefore = json(get(receiver, "/api/v1/devices/" + DEVICE + "/activity?day=" + day + "&buckets=8640"));
            long dayStart = activityBefore.path("start").asLong();
            int bucket = (int) ((time(12) - dayStart) / 10_000); // 10 s parts of the day
            JsonNode counts = activityBefore.path("detections");
            assertThat(counts.get(bucket).asInt() + counts.get(bucket + 1).asInt())
                    .as("the person's four frames, 12..15, where they happened").isEqualTo(4);
            long total = 0;
            for (JsonNode c : counts) {
                total += c.asLong();
            }
            assertThat(total).isEqualTo(4);
            assertThat(activityBefore.path("recorded")).hasSize(1); // three contiguous segments: one interval
            assertThat(activityBefore.path("recorded").get(0).get(0).asLong()).isEqualTo(time(0));

            List<JsonNode> people = list(json(get(receiver, "/api/v1/alerts?label=person&since=" + T0)));
            assertThat(people).hasSize(1);
            assertThat(people.get(0).path("frame").asLong()).isEqualTo(12);
            assertThat(list(json(get(receiver, "/api/v1/alerts?label=car&since=" + T0)))).isEmpty();
            assertThat(list(json(get(receiver, "/api/v1/alerts?label=person&since=" + time(13))))).isEmpty();

            // a damaged sidecar (a crash mid-write) is skipped and counted; the rest of the day stays indexed
            Path dayDir = dir.resolve("segments").resolve(DEVICE).resolve(day);
            Files.writeString(dayDir.resolve("seg-torn.json"), "{\"device\": \"dock-cam\", \"segm");
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    MonitoringTest.value(MonitoringTest.scrape(receiver), "sightline_index_failures_total") >= 1);
            assertThat(segments(receiver, day)).hasSize(3);
            Files.delete(dayDir.resolve("seg-torn.json"));

            // retention's way: the files go, the listing follows at the next pass
            Files.delete(dayDir.resolve("seg-2.mkv"));
            Files.delete(dayDir.resolve("seg-2.json"));
            await().atMost(Duration.ofSeconds(10)).until(() -> segments(receiver, day).size() == 2);
        }

        Files.delete(dir.resolve("index.db"));
        try (Sightline rx = Sightline.start(receiver)) {
            assertThat(Files.exists(dir.resolve("index.db"))).isTrue();
            assertThat(segments(receiver, day)).containsExactlyElementsOf(before.subList(0, 2));
            JsonNode activity = json(get(receiver, "/api/v1/devices/" + DEVICE + "/activity?day=" + day + "&buckets=8640"));
            assertThat(activity.path("detections")).isEqualTo(activityBefore.path("detections"));
            assertThat(list(json(get(receiver, "/api/v1/alerts?label=person&since=" + T0)))).hasSize(1);
        }
    }

    private static long time(int frame) {
        return T0 + frame * 100L;
    }

    private static void post(Map<String, String> receiver, int frame, boolean person) throws Exception {
        Map<String, String> headers = Harness.frameHeaders(DEVICE, "s1", frame, time(frame), "seg-" + frame / 10, frame % 10 == 9);
        if (person) {
            headers.put("Sightline-Detections", Json.text(List.of(new Detection("person", 0.9, new int[] {40, 30, 100, 150}))));
        }
        HttpResponse<String> response = Harness.post(Harness.base(receiver) + "/api/v1/frames", headers,
                Harness.syntheticJpeg(320, 240, 80));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }

    private static List<JsonNode> segments(Map<String, String> receiver, String day) throws Exception {
        return list(json(get(receiver, "/api/v1/devices/" + DEVICE + "/segments?day=" + day)));
    }

    private static HttpResponse<String> get(Map<String, String> receiver, String path) throws Exception {
        HttpResponse<String> response = Harness.HTTP.send(Harness.operator(Harness.base(receiver) + path).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return response;
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return Json.MAPPER.readTree(response.body());
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> list = new ArrayList<>();
        array.forEach(list::add);
        return list;
    }
}
