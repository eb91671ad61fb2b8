package io.sightline.wire;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * The detection datagrams' share of the uplink. Every frame's detections also travel with the frame; the datagram
 * is their early copy, so on a thin link it may take at most {@code share} of the sender's link estimate (the rule
 * RTP keeps for its control packets: 5 % of the session's bandwidth). A token bucket refilled at that rate holds at
 * most one second of it, and owes at most one second. A datagram that brings news (a label no datagram carried in
 * the last {@code newsMillis}) goes whatever the bucket holds; it pays later.
 */
public final class DatagramBudget {

    /** What the kernel adds to each datagram on the wire (IPv4 and UDP headers). */
    static final int HEADER_BYTES = 28;

    private final double share;
    private final DoubleSupplier linkBitsPerSecond;
    private final long newsNanos;
    private final LongSupplier nanos;
    private double bytes;
    private long refilledAt;
    private boolean started;
    private final Map<String, Long> labelSentAt = new HashMap<>();
    /** The last datagram's size: the next one's is about the same. */
    private int lastSize;

    /**
     * @param share      of the link estimate (bits/s from {@code linkBitsPerSecond}) datagrams may take; 1 or more: all
     * @param newsMillis a label not sent for this long is news
     */
    public DatagramBudget(double share, DoubleSupplier linkBitsPerSecond, long newsMillis, LongSupplier nanos) {
        this.share = share;
        this.linkBitsPerSecond = linkBitsPerSecond;
        this.newsNanos = newsMillis * 1_000_000L;
        this.nanos = nanos;
    }

    /** Whether a datagram carrying {@code detections} goes now. */
    public synchronized boolean allows(Collection<Detection> detections) {
        long now = nanos.getAsLong();
        refill(now);
        if (share >= 1) {
            return true;
        }
        for (Detection d : detections) {
            Long sent = labelSentAt.get(d.label());
            if (sent == null || now - sent >= newsNanos) {
                return true;
            }
        }
        return bytes >= lastSize + HEADER_BYTES;
    }

    /** A datagram of {@code size} bytes carrying {@code detections} was sent. */
    public synchronized void spent(int size, Collection<Detection> detections) {
        long now = nanos.getAsLong();
        double perSecond = refill(now);
        bytes = Math.max(-perSecond, bytes - size - HEADER_BYTES);
        lastSize = size;
        for (Detection d : detections) {
            labelSentAt.put(d.label(), now);
        }
    }

    /** Adds what the time since the last refill earned, up to a second's worth; returns the rate, bytes/s. */
    private double refill(long now) {
        double perSecond = share * linkBitsPerSecond.getAsDouble() / 8;
        if (!started) {
            started = true;
            bytes = perSecond; // the first datagram finds a full second
        } else {
            bytes = Math.min(perSecond, bytes + perSecond * (now - refilledAt) / 1e9);
        }
        refilledAt = now;
        return perSecond;
    }
}
