package io.sightline.wire;

import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.apache.camel.Message;

import java.util.List;

/**
 * The HTTP form of {@link FrameMeta}: one header per field (see docs/protocol.md). Written by the sender before
 * the POST, read and validated by the receiver before anything is stored.
 */
public final class FrameHeaders {

    public static final String DEVICE = "Sightline-Device";
    public static final String STREAM = "Sightline-Stream";
    public static final String FRAME = "Sightline-Frame";
    public static final String CAPTURE_TIME = "Sightline-Capture-Time";
    public static final String SEGMENT = "Sightline-Segment";
    public static final String SEGMENT_FIRST = "Sightline-Segment-First";
    public static final String SEGMENT_LAST = "Sightline-Segment-Last";
    public static final String DETECTIONS = "Sightline-Detections";
    /** {@code full} (the frame as captured; also when absent) or {@code reduced} (a live copy of lower quality). */
    public static final String QUALITY = "Sightline-Quality";
    public static final String FULL = "full";
    public static final String REDUCED = "reduced";

    /** Bound on the detections header: Vert.x rejects request heads above 8 KiB in total. */
    public static final int MAX_DETECTIONS_HEADER = 6000;

    /**
     * Sender step before the POST (and ingest's before the frame goes to Kafka): the metadata of the frame
     * ({@code frame} property) and its quality as headers.
     */
    public void write(@ExchangeProperty("frame") FrameMeta meta, @ExchangeProperty("quality") String quality, Message out) {
        out.setHeader(QUALITY, quality == null ? FULL : quality);
        out.setHeader(DEVICE, meta.device());
        out.setHeader(STREAM, meta.stream());
        out.setHeader(FRAME, String.valueOf(meta.frame())); // text, as on the wire: also in Kafka's record headers
        out.setHeader(CAPTURE_TIME, String.valueOf(meta.captureTime()));
        out.setHeader(SEGMENT, meta.segment());
        out.setHeader(SEGMENT_FIRST, String.valueOf(meta.segmentFirst()));
        out.setHeader(SEGMENT_LAST, String.valueOf(meta.lastInSegment()));
        out.setHeader(DETECTIONS, detectionsHeader(meta.detections()));
        out.setHeader(Exchange.CONTENT_TYPE, "image/jpeg");
    }

    /** Keeps the most confident detections that fit the header bound. */
    public static String detectionsHeader(List<Detection> detections) {
        List<Detection> kept = DatagramCodec.mostConfidentFirst(detections);
        kept = kept.subList(0, Math.min(kept.size(), Json.MAX_DETECTIONS));
        String json = Json.text(kept);
        while (json.length() > MAX_DETECTIONS_HEADER && !kept.isEmpty()) {
            kept = kept.subList(0, kept.size() - 1); // the least confident goes first
            json = Json.text(kept);
        }
        return json;
    }

    /** Receiver step of {@code frames-in}: the validated metadata of the frame posted (the body stays). */
    public FrameMeta read(Message in) {
        return parse(in, false);
    }

    /**
     * Step of the Kafka bus's consumers: the metadata ingest validated and relayed, which may hold the
     * receiver's own detections ({@code origin: receiver}).
     */
    public FrameMeta relayed(Message in) {
        return parse(in, true);
    }

    /** Receiver step of {@code frames-in}: the copy's quality, {@code full} unless it says {@code reduced}. */
    public String quality(@Header(QUALITY) String quality) {
        if (quality == null || quality.equals(FULL)) {
            return FULL;
        }
        if (quality.equals(REDUCED)) {
            return REDUCED;
        }
        throw new InvalidInputException(400, "invalid-header", "header " + QUALITY + " must be full or reduced");
    }

    static FrameMeta parse(Message in, boolean relayed) {
        long frame = number(in, FRAME);
        long first = in.getHeader(SEGMENT_FIRST) == null ? frame : number(in, SEGMENT_FIRST);
        if (first > frame) {
            throw new InvalidInputException(400, "invalid-header", "header " + SEGMENT_FIRST + " is after the frame");
        }
        List<Detection> detections = detections(in, relayed);
        if (detections.stream().anyMatch(d -> d.from() != null && d.from() >= frame)) {
            throw new InvalidInputException(400, "invalid-header", "a detection's from must be an earlier frame");
        }
        return new FrameMeta(
                Ids.require("device", text(in, DEVICE)),
                Ids.require("stream", text(in, STREAM)),
                frame,
                number(in, CAPTURE_TIME),
                Ids.require("segment", text(in, SEGMENT)),
                first,
                flag(in, SEGMENT_LAST),
                detections);
    }

    private static String text(Message in, String name) {
        String value = in.getHeader(name, String.class);
        if (value == null || value.isBlank()) {
            throw new InvalidInputException(400, "missing-header", "header " + name + " is required");
        }
        return value.trim();
    }

    private static long number(Message in, String name) {
        String value = text(in, name);
        try {
            long n = Long.parseLong(value);
            if (n < 0) {
                throw new NumberFormatException();
            }
            return n;
        } catch (NumberFormatException e) {
            throw new InvalidInputException(400, "invalid-header", "header " + name + " must be a non-negative integer");
        }
    }

    private static boolean flag(Message in, String name) {
        String value = in.getHeader(name, "false", String.class).trim();
        if (!value.equals("true") && !value.equals("false")) {
            throw new InvalidInputException(400, "invalid-header", "header " + name + " must be true or false");
        }
        return Boolean.parseBoolean(value);
    }

    private static List<Detection> detections(Message in, boolean relayed) {
        String value = in.getHeader(DETECTIONS, String.class);
        if (value == null || value.isBlank()) {
            return List.of();
        }
        if (value.length() > MAX_DETECTIONS_HEADER) {
            throw new InvalidInputException(400, "invalid-header", "header " + DETECTIONS + " is too long");
        }
        return relayed ? Json.relayedDetections(value, "invalid-header") : Json.detections(value, "invalid-header");
    }
}
