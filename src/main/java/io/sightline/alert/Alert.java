package io.sightline.alert;

import io.sightline.wire.Detection;

import java.util.List;

/**
 * An alert: the frame whose detections matched the rules ({@code time} is its capture time), the path that
 * raised it first ({@code udp} or {@code http}), the segment it falls in once the frame itself arrived
 * ({@code confirmed}), who acknowledged it when (an operator's act: the event is handled), who reviewed it when
 * (anyone who watches: the recording was looked at), and when it last changed ({@code changedAt}: the id of its
 * event in the consoles' event stream, so a console that reconnects is sent what changed since).
 */
public record Alert(String id, String device, String stream, long frame, long time, long raisedAt, String raisedBy,
                    List<Detection> detections, String segment, String day, boolean confirmed,
                    Long acknowledgedAt, String acknowledgedBy, Long changedAt, Long reviewedAt, String reviewedBy) {

    public Alert {
        detections = List.copyOf(detections);
        changedAt = changedAt != null ? changedAt : acknowledgedAt != null ? acknowledgedAt : raisedAt; // older files
    }

    Alert confirmedIn(String inSegment) {
        return new Alert(id, device, stream, frame, time, raisedAt, raisedBy, detections, inSegment, day, true,
                acknowledgedAt, acknowledgedBy, System.currentTimeMillis(), reviewedAt, reviewedBy);
    }

    /**
     * How far the alert has come: raised, confirmed by its frame, acknowledged, reviewed (each only ever added); a
     * copy that has come further wins.
     */
    int progress() {
        return (confirmed ? 1 : 0) + (acknowledgedAt != null ? 2 : 0) + (reviewedAt != null ? 4 : 0);
    }

    Alert acknowledged(long at, String by) {
        return new Alert(id, device, stream, frame, time, raisedAt, raisedBy, detections, segment, day, confirmed, at, by, at,
                reviewedAt, reviewedBy);
    }

    Alert reviewed(long at, String by) {
        return new Alert(id, device, stream, frame, time, raisedAt, raisedBy, detections, segment, day, confirmed,
                acknowledgedAt, acknowledgedBy, at, at, by);
    }
}
