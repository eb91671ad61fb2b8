package io.sightline.wire;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sightline.match.DatagramGuard;
import io.sightline.monitor.SightlineMetrics;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DatagramGuardTest {

    private final byte[] master = DeviceKeys.parse("master", DeviceKeys.random());
    private final byte[] previous = DeviceKeys.parse("previous", DeviceKeys.random());
    private final AtomicLong now = new AtomicLong(1_800_000_000_000L);
    private final Instant overlapEnd = Instant.ofEpochMilli(now.get() + 3_600_000);
    private final MasterKeys keys = new MasterKeys(master, previous, overlapEnd, now::get);
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final DatagramGuard guard = new DatagramGuard(keys, 120_000, now::get, new SightlineMetrics(meters));

    private byte[] datagram(String device, long seq, long t, byte[] key) {
        return DatagramCodec.encode(new DetectionDatagram(1, DetectionDatagram.HEARTBEAT, device, "s", seq, seq, t,
                List.of(), 0, 0), key);
    }

    private byte[] keyOf(String device) {
        return DeviceKeys.datagramKey(DeviceKeys.deviceKey(master, device));
    }

    @Test
    void admitsAuthenticFreshDatagramsOnce() {
        assertThat(guard.admit(datagram("cam", 0, now.get(), keyOf("cam"))).seq()).isZero();
        assertThat(guard.admit(datagram("cam", 5, now.get(), keyOf("cam"))).seq()).isEqualTo(5);
        assertThat(guard.admit(datagram("cam", 3, now.get(), keyOf("cam"))).seq()).as("late but new").isEqualTo(3);
        assertThatThrownBy(() -> guard.admit(datagram("cam", 3, now.get(), keyOf("cam"))))
                .extracting("error").isEqualTo("replayed");
        assertThatThrownBy(() -> guard.admit(datagram("cam", 5, now.get(), keyOf("cam"))))
                .extracting("error").isEqualTo("replayed");
        guard.admit(datagram("cam", 5000, now.get(), keyOf("cam")));
        assertThatThrownBy(() -> guard.admit(datagram("cam", 6, now.get(), keyOf("cam"))))
                .as("older than the window").extracting("error").isEqualTo("replayed");
    }

    @Test
    void rejectsForgedTamperedAndStaleDatagrams() {
        assertThatThrownBy(() -> guard.admit(datagram("cam", 0, now.get(), keyOf("other"))))
                .extracting("error").isEqualTo("bad-mac");
        byte[] tampered = datagram("cam", 1, now.get(), keyOf("cam"));
        tampered[20] ^= 1;
        assertThatThrownBy(() -> guard.admit(tampered)).isInstanceOf(InvalidInputException.class);
        assertThatThrownBy(() -> guard.admit(datagram("cam", 2, now.get() - 121_000, keyOf("cam"))))
                .extracting("error").isEqualTo("stale");
        assertThatThrownBy(() -> guard.admit(datagram("cam", 3, now.get() + 121_000, keyOf("cam"))))
                .extracting("error").isEqualTo("stale");
    }

    @Test
    void acceptsThePreviousMasterKeyUntilTheOverlapEndsAndSignsCommandsWithTheKeyADeviceHolds() {
        byte[] oldKey = DeviceKeys.datagramKey(DeviceKeys.deviceKey(previous, "cam"));
        assertThat(guard.admit(datagram("cam", 0, now.get(), oldKey)).seq()).isZero();
        assertThat(meters.counter("sightline.auth.previous.key", "device", "cam", "path", "udp").count()).isEqualTo(1);
        assertThat(keys.deviceKey("cam")).as("commands go out under the key the device holds")
                .isEqualTo(DeviceKeys.deviceKey(previous, "cam"));

        guard.admit(datagram("cam", 1, now.get(), keyOf("cam"))); // re-keyed
        assertThat(keys.deviceKey("cam")).isEqualTo(DeviceKeys.deviceKey(master, "cam"));

        now.set(overlapEnd.toEpochMilli());
        assertThatThrownBy(() -> guard.admit(datagram("cam", 2, now.get(), oldKey)))
                .as("after the overlap").extracting("error").isEqualTo("bad-mac");
        assertThat(guard.admit(datagram("cam", 3, now.get(), keyOf("cam"))).seq()).isEqualTo(3);
    }
}
