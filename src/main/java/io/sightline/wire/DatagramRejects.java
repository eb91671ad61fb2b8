package io.sightline.wire;

import io.sightline.monitor.RepeatedWarnings;
import io.sightline.monitor.SightlineMetrics;
import org.apache.camel.Exchange;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts dropped datagrams by reason and logs them through {@link RepeatedWarnings}, so a flood of garbage cannot
 * flood the log.
 */
public class DatagramRejects {

    private final Map<String, AtomicLong> byReason = new ConcurrentHashMap<>();
    private final RepeatedWarnings warnings;
    private final SightlineMetrics metrics;

    public DatagramRejects(RepeatedWarnings warnings, SightlineMetrics metrics) {
        this.warnings = warnings;
        this.metrics = metrics;
    }

    /** Error handler step of {@code detections-in}. */
    public void reject(Exchange exchange) {
        Exception cause = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        String reason = cause instanceof InvalidInputException invalid ? invalid.getError() : "error";
        byReason.computeIfAbsent(reason, r -> new AtomicLong()).incrementAndGet();
        metrics.counter("datagrams.rejected", "reason", reason).increment();
        warnings.warnLazily("datagram-dropped", () -> reason + ": " + (cause == null ? "?" : cause.getMessage())
                + " (totals " + counts() + ")");
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
