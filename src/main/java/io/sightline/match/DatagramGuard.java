package io.sightline.match;

import io.sightline.wire.DatagramCodec;
import io.sightline.wire.DetectionDatagram;
import io.sightline.wire.DeviceKeys;
import io.sightline.wire.InvalidInputException;
import io.sightline.wire.MasterKeys;
import io.sightline.monitor.SightlineMetrics;

import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * First step of {@code detections-in}: only an authentic, fresh, first-seen datagram gets past it. It checks
 * the HMAC under the sending device's key (derived from the master key, or from the previous one while a
 * rotation's overlap lasts), then that the sequence number was not
 * seen before within a window per stream (a replayed datagram is dropped), then that the capture time is within
 * {@code maxSkewMillis} of this clock. Each failure is an {@link InvalidInputException} whose error is the drop
 * reason: {@code bad-mac}, {@code replayed}, {@code stale}.
 */
public class DatagramGuard {

    static final int WINDOW = 1024;
    private static final int MAX_STREAMS = 4096;

    private final MasterKeys masterKeys;
    private final SightlineMetrics metrics;
    private final long maxSkewMillis;
    private final LongSupplier clock;
    private final Map<String, Window> windows = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Window> eldest) {
            return size() > MAX_STREAMS;
        }
    };

    private static final class Window {
        long highest = -1;
        final BitSet seen = new BitSet(WINDOW);
    }

    public DatagramGuard(MasterKeys masterKeys, long maxSkewMillis, LongSupplier clock, SightlineMetrics metrics) {
        this.masterKeys = masterKeys;
        this.metrics = metrics;
        this.maxSkewMillis = maxSkewMillis;
        this.clock = clock;
    }

    public DetectionDatagram admit(byte[] raw) {
        DatagramCodec.Signed signed = DatagramCodec.decode(raw);
        DetectionDatagram d = signed.datagram();
        authenticate(d.device(), signed);
        if (Math.abs(clock.getAsLong() - d.t()) > maxSkewMillis) {
            throw new InvalidInputException(400, "stale", "capture time is more than " + maxSkewMillis + " ms from now");
        }
        firstTime(d.device() + "/" + d.stream(), d.seq());
        return d;
    }

    private void authenticate(String device, DatagramCodec.Signed signed) {
        for (MasterKeys.Candidate key : masterKeys.candidates(device)) {
            byte[] mac = DeviceKeys.hmac(DeviceKeys.datagramKey(key.deviceKey()), signed.json());
            if (DeviceKeys.same(mac, signed.mac())) {
                masterKeys.proven(device, key.generation());
                if (key.generation() == MasterKeys.Generation.PREVIOUS) {
                    metrics.counter("auth.previous.key", "device", device, "path", "udp").increment();
                }
                return;
            }
        }
        throw new InvalidInputException(401, "bad-mac", "the datagram's MAC does not match device " + device);
    }

    private synchronized void firstTime(String stream, long seq) {
        Window w = windows.computeIfAbsent(stream, k -> new Window());
        if (seq > w.highest) {
            for (long n = Math.max(w.highest + 1, seq - WINDOW + 1); n < seq; n++) {
                w.seen.clear((int) (n % WINDOW));
            }
            w.highest = seq;
        } else if (seq <= w.highest - WINDOW || w.seen.get((int) (seq % WINDOW))) {
            throw new InvalidInputException(400, "replayed", "datagram " + seq + " of " + stream + " was seen before");
        }
        w.seen.set((int) (seq % WINDOW));
    }
}
