package io.sightline.wire;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * One UDP datagram from a sender. {@code type} is {@value #DETECTIONS} (the detections of frame {@code frame}),
 * {@value #HEARTBEAT} (sent when frames carry no detections; {@code frame} is the newest frame number) or
 * {@value #ACK} (the acknowledgement of operator command {@code ack}).
 * {@code seq} counts datagrams per stream, so the receiver sees loss as gaps; {@code omitted} says how many of
 * the least confident detections did not fit the size limit; {@code spooled} is the sender's backlog (frames
 * waiting in its spool); {@code state} is the sender's state (STREAMING or WAITING) and {@code commandPort} the
 * UDP port it takes operator commands on; {@code link} is how the sender sees its uplink (the live lane's rung,
 * the estimate, how long the archive backlog needs at the current pace).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
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
        int spooled,
        String state,
        Integer commandPort,
        String ack,
        Link link) {

    /** The sender's view of its uplink, for the console. */
    public record Link(int rung, String rungName, long estimateKbps, double backlogSeconds) {
    }

    public static final String DETECTIONS = "detections";
    public static final String HEARTBEAT = "heartbeat";
    public static final String ACK = "ack";
    public static final String STREAMING = "STREAMING";
    public static final String WAITING = "WAITING";

    public DetectionDatagram {
        detections = detections == null ? List.of() : List.copyOf(detections);
    }

    /** A datagram without sender state (tests and tools that only speak detections). */
    public DetectionDatagram(int v, String type, String device, String stream, long seq, long frame, long t,
                             List<Detection> detections, int omitted, int spooled) {
        this(v, type, device, stream, seq, frame, t, detections, omitted, spooled, null, null, null, null);
    }
}
