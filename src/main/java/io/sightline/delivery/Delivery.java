package io.sightline.delivery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.FrameHeaders;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Steps of the sender's {@code send-frame} route around the HTTP call: the device's bearer token, counts frames
 * and bytes handed to HTTP; sorts the receiver's answer into acknowledged (2xx), rejected for good (4xx other
 * than 429: retrying cannot help) or unavailable (5xx, 429: thrown, so the circuit breaker and the spool take
 * it); measures the latency from first attempt to acknowledgement; remembers the last acknowledgement (for the
 * {@code receiver-reachable} health check).
 */
public class Delivery {

    private final LinkEstimate link;
    private final Counter sent;
    private final Counter bytesSent;
    private final Counter acknowledgedFull;
    private final Counter acknowledgedReduced;
    private final Counter bytesAcknowledged;
    private final Counter rejected;
    private final Timer latency;
    private final AtomicLong lastAcknowledged = new AtomicLong();

    /** The receiver could not take the frame now; it is worth sending again later. */
    public static class ReceiverUnavailableException extends RuntimeException {
        public ReceiverUnavailableException(String message) {
            super(message);
        }
    }

    private final String authorization;

    /**
     * Client errors that say nothing against the frame, so it is kept and sent again: 404 (a Sightline receiver
     * answers 503 while it starts, but a proxy or an older receiver in front may answer 404 for a path not served
     * yet), 408 (upload timed out on a slow link), 429 (rate limit).
     */
    private static final java.util.Set<Integer> RETRYABLE_4XX = java.util.Set.of(404, 408, 429);

    /** @param token the device's bearer token ({@code DeviceKeys.httpToken}) */
    public Delivery(SightlineMetrics metrics, String device, String token, LinkEstimate link) {
        this.link = link;
        this.authorization = "Bearer " + token;
        this.sent = metrics.counter("frames.sent", "device", device);
        this.bytesSent = metrics.counter("bytes.sent", "device", device, "path", "http");
        // by quality: a reduced live copy and its full copy from the spool are one frame, acknowledged twice
        this.acknowledgedFull = metrics.counter("frames.acknowledged", "device", device, "quality", FrameHeaders.FULL);
        this.acknowledgedReduced = metrics.counter("frames.acknowledged", "device", device, "quality", FrameHeaders.REDUCED);
        this.bytesAcknowledged = metrics.counter("bytes.acknowledged", "device", device);
        this.rejected = metrics.counter("frames.undelivered", "device", device, "reason", "rejected");
        this.latency = metrics.timer("http.send.latency", "device", device);
    }

    /** The {@code Authorization} header of the device's frames. */
    public String authorization() {
        return authorization;
    }

    /**
     * Route step before each POST of a frame: counted; the first attempt's time (System.nanoTime), where the
     * latency to its acknowledgement starts.
     */
    public long sending(@Body byte[] jpeg, @ExchangeProperty("firstSentAt") Long firstSentAt) {
        sent.increment();
        bytesSent.increment(jpeg.length);
        return firstSentAt != null ? firstSentAt : System.nanoTime();
    }

    /**
     * After the HTTP call (made with throwExceptionOnFailure=false): {@code acknowledged} (2xx) or {@code rejected}
     * for good (a final 4xx), counted by the copy's {@code quality}; anything else throws, so the breaker counts it and the caller spools or retries.
     */
    public String answered(@Header(Exchange.HTTP_RESPONSE_CODE) Integer answer, @ExchangeProperty("firstSentAt") long firstSentAt,
                           @ExchangeProperty("sent") LinkEstimate.Sent sent, @ExchangeProperty("quality") String quality) {
        int status = answer == null ? 0 : answer;
        link.acknowledged(sent); // any answer: the link carried the request
        if (status >= 200 && status < 300) {
            latency.record(System.nanoTime() - firstSentAt, TimeUnit.NANOSECONDS);
            (FrameHeaders.REDUCED.equals(quality) ? acknowledgedReduced : acknowledgedFull).increment();
            if (sent != null) {
                bytesAcknowledged.increment(sent.bytes);
            }
            lastAcknowledged.set(System.currentTimeMillis());
            return "acknowledged";
        } else if (status >= 400 && status < 500 && !RETRYABLE_4XX.contains(status)) {
            rejected.increment();
            return "rejected";
        } else {
            throw new ReceiverUnavailableException("receiver answered " + status);
        }
    }

    /** Epoch ms of the last 2xx, 0 before the first. */
    public long lastAcknowledged() {
        return lastAcknowledged.get();
    }
}
