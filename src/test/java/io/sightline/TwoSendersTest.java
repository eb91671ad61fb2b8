package io.sightline;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class TwoSendersTest {

    @TempDir
    Path data;

    @Test
    void eachDeviceGetsItsOwnSegmentsSidecarsAndDeviceEntry() throws Exception {
        Map<String, String> receiverSettings = Harness.receiver(data);
        try (Sightline receiver = Sightline.start(receiverSettings);
             Sightline a = Sightline.start(small(Harness.sender(receiverSettings, "cam-a", "synthetic")));
             Sightline b = Sightline.start(small(Harness.sender(receiverSettings, "cam-b", "synthetic")))) {
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    Segments.sidecars(data, "cam-a").size() >= 2 && Segments.sidecars(data, "cam-b").size() >= 2);

            JsonNode devices = Segments.JSON.readTree(Harness.get(Harness.base(receiverSettings) + "/api/v1/devices").body());
            assertThat(devices).extracting(d -> d.get("device").asText()).containsExactly("cam-a", "cam-b");
            assertThat(devices).allSatisfy(d -> assertThat(d.get("framesReceived").asLong()).isPositive());
            assertThat(devices.get(0).get("stream").asText()).isNotEqualTo(devices.get(1).get("stream").asText());
        }
        for (String device : new String[] {"cam-a", "cam-b"}) {
            for (Path sidecar : Segments.sidecars(data, device)) {
                assertThat(sidecar.toString()).contains("/segments/" + device + "/");
                JsonNode meta = Segments.read(sidecar);
                assertThat(meta.get("device").asText()).isEqualTo(device);
                assertThat(Segments.decode(Segments.video(sidecar)).markers()).hasSize(meta.get("frameCount").asInt());
            }
        }
    }

    private static Map<String, String> small(Map<String, String> settings) {
        settings.put("sightline.capture.width", "320");
        settings.put("sightline.capture.height", "240");
        settings.put("sightline.capture.fps", "10");
        settings.put("sightline.segment.seconds", "1");
        return settings;
    }
}
