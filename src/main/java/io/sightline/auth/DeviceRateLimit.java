package io.sightline.auth;

import io.sightline.wire.InvalidInputException;
import org.apache.camel.ExchangeProperty;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Frames per second per authenticated device, as a token bucket ({@code perSecond} sustained, bursts of two
 * seconds' worth). Over it: 429 with {@code Retry-After}, which a Sightline sender answers by spooling the frame
 * and replaying it later.
 */
public class DeviceRateLimit {

    private static final int MAX_DEVICES = 10_000;

    private final double perSecond;
    private final double burst;
    private final Map<String, double[]> buckets = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, double[]> eldest) {
            return size() > MAX_DEVICES;
        }
    };

    public DeviceRateLimit(double perSecond) {
        this.perSecond = perSecond;
        this.burst = Math.max(1, 2 * perSecond);
    }

    /** Step of {@code frames-in}, after the device is authenticated. */
    public synchronized void check(@ExchangeProperty("device") String device) {
        long now = System.nanoTime();
        double[] bucket = buckets.computeIfAbsent(device, d -> new double[] {burst, now});
        bucket[0] = Math.min(burst, bucket[0] + (now - bucket[1]) / 1e9 * perSecond);
        bucket[1] = now;
        if (bucket[0] < 1) {
            long retryAfter = Math.max(1, (long) Math.ceil((1 - bucket[0]) / perSecond));
            throw new InvalidInputException(429, "rate-limited", "device " + device + " sends more than " + perSecond
                    + " frames/s", retryAfter); // answered with Retry-After
        }
        bucket[0] -= 1;
    }
}
