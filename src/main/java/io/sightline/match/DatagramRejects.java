package io.sightline.match;

import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.InvalidInputException;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts dropped datagrams by reason and logs them at most once per {@code logIntervalMillis}, so a flood of
 * garbage cannot flood the log.
 */
public class DatagramRejects {

    private static final Logger LOG = LoggerFactory.getLogger(DatagramRejects.class);

    private final long logIntervalMillis;
    private final Map<String, AtomicLong> byReason = new ConcurrentHashMap<>();
    private final AtomicLong lastLog = new AtomicLong(Long.MIN_VALUE / 2);
    private final AtomicLong sinceLog = new AtomicLong();

    private final SightlineMetrics metrics;

    public DatagramRejects(long logIntervalMillis, SightlineMetrics metrics) {
        this.logIntervalMillis = logIntervalMillis;
        this.metrics = metrics;
    }

    /** Error handler step of {@code detections-in}. */
    public void reject(Exchange exchange) {
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String reason = cause instanceof InvalidInputException invalid ? invalid.getError() : "error";
        byReason.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
        metrics.counter("datagrams.rejected", "reason", reason).increment();
        long suppressed = sinceLog.incrementAndGet();
        long now = System.currentTimeMillis();
        long last = lastLog.get();
        if (now - last >= logIntervalMillis && lastLog.compareAndSet(last, now)) {
            sinceLog.set(0);
            LOG.warn("Dropped datagram ({}): {} [{} dropped since the last report; totals {}]", reason,
                    cause == null ? "?" : cause.getMessage(), suppressed, counts());
        }
    }

    public Map<String, Long> counts() {
        Map<String, Long> counts = new TreeMap<>();
        byReason.forEach((r, n) -> counts.put(r, n.get()));
        return counts;
    }

    public long total() {
        return byReason.values().stream().mapToLong(AtomicLong::get).sum();
    }
}
