package io.sightline.wire;

import java.util.List;

/**
 * One UDP datagram from a sender. {@code type} is {@value #DETECTIONS} (the detections of frame {@code frame})
 * or {@value #HEARTBEAT} (sent when frames carry no detections; {@code frame} is the newest frame number).
 * {@code seq} counts datagrams per stream, so the receiver sees loss as gaps; {@code omitted} says how many of
 * the least confident detections did not fit the size limit; {@code spooled} is the sender's backlog (frames
 * waiting in its spool).
 */
public record DetectionDatagram(
        int v,
        String type,
        String device,
        String stream,
        long seq,
        long frame,
        long t,
        List<Detection> detections,
        int omitted,
        int spooled) {

    public static final String DETECTIONS = "detections";
    public static final String HEARTBEAT = "heartbeat";

    public DetectionDatagram {
        detections = detections == null ? List.of() : List.copyOf(detections);
    }
}
