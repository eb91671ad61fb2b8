package io.sightline.wire;

import java.util.Collection;
import java.util.Set;
import java.util.function.DoubleSupplier;

/**
 * The detection datagrams' share of the uplink. Every frame's detections also travel with the frame; the datagram
 * is their early copy, so on a thin link it may take at most {@code share} of the sender's link estimate (the rule
 * RTP keeps for its control packets: 5 % of the session's bandwidth). A token bucket refilled at that rate holds at
 * most one second of it. A datagram that brings news (a label the last one sent did not carry) goes whatever the
 * bucket holds, so an alert is never held back by the budget; it pays later.
 */
public final class DatagramBudget {

    /** What the kernel adds to each datagram on the wire (IPv4 and UDP headers). */
    static final int HEADER_BYTES = 28;

    private final double share;
    private final DoubleSupplier linkBitsPerSecond;
    private double bytes;
    private long refilledAt = Long.MIN_VALUE;
    private Set<String> lastLabels = Set.of();

    /** @param share of the link estimate (bits/s from {@code linkBitsPerSecond}) datagrams may take; 1 or more: all */
    public DatagramBudget(double share, DoubleSupplier linkBitsPerSecond) {
        this.share = share;
        this.linkBitsPerSecond = linkBitsPerSecond;
    }

    /** Whether a datagram of about {@code size} bytes carrying {@code labels} goes at {@code nowMillis}. */
    public synchronized boolean allows(long nowMillis, int size, Collection<String> labels) {
        if (share >= 1 || !lastLabels.containsAll(labels)) {
            return true;
        }
        double perSecond = share * linkBitsPerSecond.getAsDouble() / 8;
        if (refilledAt == Long.MIN_VALUE || nowMillis < refilledAt) {
            bytes = perSecond; // the first datagram, or the clock went back: start with a full second
        } else {
            bytes = Math.min(perSecond, bytes + perSecond * (nowMillis - refilledAt) / 1000.0);
        }
        refilledAt = nowMillis;
        return bytes >= size + HEADER_BYTES;
    }

    /** A datagram of {@code size} bytes carrying {@code labels} was sent. */
    public synchronized void spent(int size, Collection<String> labels) {
        bytes -= size + HEADER_BYTES;
        lastLabels = Set.copyOf(labels);
    }
}
