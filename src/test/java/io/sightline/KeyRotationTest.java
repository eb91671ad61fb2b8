package io.sightline;

import io.sightline.wire.DeviceKeys;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Re-keying devices one at a time: a receiver with a new master key also accepts a device still keyed from the
 * previous one during the overlap (frames, datagrams, and commands back to it under the key it holds), counts it,
 * and refuses it once the overlap is over, while a device keyed from the new master key is served throughout.
 */
class KeyRotationTest {

    @TempDir
    Path dir;

    @Test
    void aDeviceKeyedFromThePreviousMasterKeyIsServedDuringTheOverlapAndRefusedAfterIt() throws Exception {
        String previous = DeviceKeys.random();
        Map<String, String> receiver = Harness.receiver(dir.resolve("data"));
        receiver.put("sightline.security.previous-master-key", previous);
        receiver.put("sightline.security.previous-master-key-until", Instant.now().plus(Duration.ofHours(1)).toString());
        Map<String, String> old = Harness.sender(receiver, "old-cam", "synthetic");
        old.put("sightline.security.device-key", Base64.getEncoder().encodeToString(
                DeviceKeys.deviceKey(DeviceKeys.parse("previous", previous), "old-cam")));
        Map<String, String> rekeyed = Harness.sender(receiver, "new-cam", "synthetic");
        for (Map<String, String> sender : java.util.List.of(old, rekeyed)) {
            sender.put("sightline.detector", "none");
            sender.put("sightline.capture.width", "320");
            sender.put("sightline.capture.height", "240");
        }
        try (Sightline o = Sightline.start(old); Sightline n = Sightline.start(rekeyed)) {
            try (Sightline r = Sightline.start(receiver)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> acknowledged(old) > 10 && acknowledged(rekeyed) > 10);
                await().atMost(Duration.ofSeconds(10)).until(() -> value(receiver, "sightline_datagrams_received_total{device=\"old-cam\"}") > 0);
                HttpResponse<String> wait = Harness.command(receiver, "old-cam", "WAIT");
                assertThat(wait.statusCode()).as("a command signed under the key the device holds: " + wait.body()).isEqualTo(200);
                assertThat(Harness.command(receiver, "old-cam", "RESUME").statusCode()).isEqualTo(200);
                assertThat(value(receiver, "sightline_auth_previous_key_total{device=\"old-cam\",path=\"http\"}")).isPositive();
                assertThat(value(receiver, "sightline_auth_previous_key_total{device=\"old-cam\",path=\"udp\"}")).isPositive();
                assertThat(value(receiver, "sightline_auth_previous_key_total{device=\"new-cam\",path=\"http\"}")).isZero();
            }

            // the same receiver after the end of the overlap
            receiver.put("sightline.security.previous-master-key-until", Instant.now().minus(Duration.ofMinutes(1)).toString());
            try (Sightline r = Sightline.start(receiver)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> value(receiver, "sightline_frames_rejected_total{reason=\"unauthorized\"}") > 3
                        && value(receiver, "sightline_datagrams_rejected_total{reason=\"bad-mac\"}") > 0);
                double served = value(receiver, "sightline_frames_received_total{device=\"new-cam\",quality=\"full\"}");
                await().atMost(Duration.ofSeconds(30)).until(() -> value(receiver, "sightline_frames_received_total{device=\"new-cam\",quality=\"full\"}") > served + 10);
                assertThat(value(receiver, "sightline_frames_received_total{device=\"old-cam\",quality=\"full\"}")).isZero();
                assertThat(value(receiver, "sightline_datagrams_received_total{device=\"old-cam\"}")).isZero();
                assertThat(value(receiver, "sightline_auth_previous_key_total")).isZero();
            }
        }
    }

    private static double acknowledged(Map<String, String> sender) throws Exception {
        return value(sender, "sightline_frames_acknowledged_total");
    }

    private static double value(Map<String, String> settings, String name) throws Exception {
        return MonitoringTest.value(MonitoringTest.scrape(settings), name);
    }
}
