package io.sightline.wire;

import io.sightline.monitor.SightlineMetrics;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a sender hears about a frame it sent, and what the receiver counts of it: each frame stored (on this disk,
 * or in Kafka) is counted by device and quality, and answered with a small JSON receipt.
 */
public class FrameReceipts {

    private final SightlineMetrics metrics;

    public FrameReceipts(SightlineMetrics metrics) {
        this.metrics = metrics;
    }

    /** Step of the bus's {@code ingest} route once the frame is stored (not for a duplicate). */
    public void count(@Body byte[] jpeg, @ExchangeProperty("frame") FrameMeta meta,
                      @ExchangeProperty("quality") String quality) {
        metrics.counter("frames.received", "device", meta.device(), "quality", quality == null ? FrameHeaders.FULL : quality)
                .increment();
        metrics.counter("bytes.received", "device", meta.device(), "path", "http").increment(jpeg.length);
    }

    /** The answer's body: {@code {"stored": true, "duplicate": ..., "device": ..., "frame": ...}}. */
    public String receipt(@ExchangeProperty("frame") FrameMeta meta,
                          @ExchangeProperty(Exchange.DUPLICATE_MESSAGE) Boolean duplicate) {
        Map<String, Object> receipt = new LinkedHashMap<>();
        receipt.put("stored", true);
        receipt.put("duplicate", Boolean.TRUE.equals(duplicate));
        receipt.put("device", meta.device());
        receipt.put("frame", meta.frame());
        return Json.text(receipt);
    }
}
