package io.sightline;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class FramesInTest {

    @TempDir
    static Path data;
    static Map<String, String> settings;
    static Sightline receiver;

    @BeforeAll
    static void start() throws Exception {
        settings = Harness.receiver(data);
        receiver = Sightline.start(settings);
    }

    @AfterAll
    static void stop() throws Exception {
        receiver.close();
    }

    @Test
    void storesAValidFrame() throws Exception {
        byte[] jpeg = Harness.syntheticJpeg(320, 240, 80);
        HttpResponse<String> response = Harness.post(Harness.base(settings) + "/api/v1/frames",
                Harness.frameHeaders("cam1", "s1", 0, 1_700_000_000_000L, "seg1", false), jpeg);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        assertThat(copiesIn(data.resolve("incoming/cam1/s1/seg1/frames.log"), jpeg)).isEqualTo(1);
    }

    @Test
    void aRetriedFrameIsAcknowledgedAgainButStoredOnceAlsoAfterARestart() throws Exception {
        byte[] jpeg = Harness.syntheticJpeg(320, 240, 80);
        Map<String, String> headers = Harness.frameHeaders("retry-cam", "s1", 7, 1_700_000_000_000L, "seg7", false);
        String url = Harness.base(settings) + "/api/v1/frames";
        HttpResponse<String> first = Harness.post(url, headers, jpeg);
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(first.body()).contains("\"duplicate\":false");
        Path stored = data.resolve("incoming/retry-cam/s1/seg7/frames.log");
        assertThat(copiesIn(stored, jpeg)).isEqualTo(1);

        HttpResponse<String> retry = Harness.post(url, headers, jpeg);
        assertThat(retry.statusCode()).isEqualTo(200);
        assertThat(retry.body()).contains("\"duplicate\":true");
        assertThat(copiesIn(stored, jpeg)).as("stored once").isEqualTo(1);

        // the keys survive a restart (which also writes the open segment): a replay after it is still recognised
        receiver.close();
        receiver = Sightline.start(settings);
        HttpResponse<String> replay = Harness.post(url, headers, jpeg);
        assertThat(replay.statusCode()).isEqualTo(200);
        assertThat(replay.body()).contains("\"duplicate\":true");
        assertThat(stored).doesNotExist();
        assertThat(Segments.framesByStream(data, "retry-cam")).containsExactly(Map.entry("s1", List.of(7L)));
    }

    /** How many times the JPEG's bytes occur in the segment's frame log. */
    private static int copiesIn(Path log, byte[] jpeg) throws java.io.IOException {
        byte[] all = Files.readAllBytes(log);
        int copies = 0;
        for (int i = 0; i + jpeg.length <= all.length; i++) {
            if (java.util.Arrays.equals(all, i, i + jpeg.length, jpeg, 0, jpeg.length)) {
                copies++;
                i += jpeg.length - 1;
            }
        }
        return copies;
    }
}
