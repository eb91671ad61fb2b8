package io.sightline.monitor;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import org.apache.camel.Exchange;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Steps of the sender's {@code frames-out} route: counts frames and bytes handed to HTTP, acknowledgements and
 * their latency (first attempt to 2xx, retries included), and frames given up; remembers when the receiver
 * last acknowledged (for the {@code receiver-reachable} health check).
 */
public class DeliveryMetrics {

    private static final String STARTED = "sightlineSendStarted";

    private final Counter sent;
    private final Counter bytesSent;
    private final Counter acknowledged;
    private final Timer latency;
    private final SightlineMetrics metrics;
    private final String device;
    private final AtomicLong lastAcknowledged = new AtomicLong();

    public DeliveryMetrics(SightlineMetrics metrics, String device) {
        this.metrics = metrics;
        this.device = device;
        this.sent = metrics.counter("frames.sent", "device", device);
        this.bytesSent = metrics.counter("bytes.sent", "device", device, "path", "http");
        this.acknowledged = metrics.counter("frames.acknowledged", "device", device);
        this.latency = metrics.timer("http.send.latency", "device", device);
    }

    public void sending(Exchange exchange) {
        exchange.setProperty(STARTED, System.nanoTime());
        sent.increment();
        byte[] body = exchange.getMessage().getBody(byte[].class);
        bytesSent.increment(body == null ? 0 : body.length);
    }

    public void acknowledged(Exchange exchange) {
        Long started = exchange.getProperty(STARTED, Long.class);
        if (started != null) {
            latency.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
        acknowledged.increment();
        lastAcknowledged.set(System.currentTimeMillis());
    }

    /** A frame given up: {@code reason} is {@code rejected} (4xx) or {@code unreachable}. */
    public void undelivered(String reason) {
        metrics.counter("frames.undelivered", "device", device, "reason", reason).increment();
    }

    /** Epoch ms of the last 2xx, 0 before the first. */
    public long lastAcknowledged() {
        return lastAcknowledged.get();
    }
}
