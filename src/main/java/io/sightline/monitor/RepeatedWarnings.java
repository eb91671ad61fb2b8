package io.sightline.monitor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Warnings that can repeat many times a second (a datagram not sent while the link is down, a frame the receiver
 * refuses, a dropped datagram): each kind is logged at once the first time, then at most once per
 * {@code intervalMillis}, with how many of that kind were left out since, so an operator can read the log during
 * an outage. What happened is still counted in full by the metrics.
 */
public class RepeatedWarnings {

    private static final Logger LOG = LoggerFactory.getLogger(RepeatedWarnings.class);
    private static final int MAX_KINDS = 1024;

    private final long intervalMillis;
    private final Map<String, Kind> kinds = new ConcurrentHashMap<>();

    private static final class Kind {
        final AtomicLong lastLogged = new AtomicLong(Long.MIN_VALUE / 2);
        final AtomicLong leftOut = new AtomicLong();
    }

    public RepeatedWarnings(long intervalMillis) {
        this.intervalMillis = intervalMillis;
    }

    /** Logs {@code detail} under {@code kind} (e.g. {@code datagram-not-sent}), unless one was logged just now. */
    public void warn(String kind, String detail) {
        warnLazily(kind, () -> detail);
    }

    /** As {@link #warn(String, String)}, the detail made only when it is logged. */
    public void warnLazily(String kind, java.util.function.Supplier<String> detail) {
        if (kinds.size() >= MAX_KINDS && !kinds.containsKey(kind)) {
            kind = "other"; // kinds come from code, but stay bounded whatever a caller passes
        }
        Kind k = kinds.computeIfAbsent(kind, name -> new Kind());
        long now = System.currentTimeMillis();
        long last = k.lastLogged.get();
        if (now - last >= intervalMillis && k.lastLogged.compareAndSet(last, now)) {
            long left = k.leftOut.getAndSet(0);
            if (left == 0) {
                LOG.warn("{}: {}", kind, detail.get());
            } else {
                LOG.warn("{}: {} [{} more like it in the last {} s]", kind, detail.get(), left, Math.max(1, (now - last) / 1000));
            }
        } else {
            k.leftOut.incrementAndGet();
        }
    }
}
