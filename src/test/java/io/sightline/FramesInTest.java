package io.sightline;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
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
        assertThat(Files.readAllBytes(data.resolve("incoming/cam1/s1/seg1/0000000000.jpg"))).isEqualTo(jpeg);
    }
}
