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
     * This alert with what another console's copy of it adds: its confirmation and segment, the first
     * acknowledgement, the first review (each only ever added, and independent of each other), the later change.
     */
    Alert mergedWith(Alert other) {
        boolean otherAcked = acknowledgedAt == null || other.acknowledgedAt != null && other.acknowledgedAt < acknowledgedAt;
        boolean otherReviewed = reviewedAt == null || other.reviewedAt != null && other.reviewedAt < reviewedAt;
        return new Alert(id, device, stream, frame, time, raisedAt, raisedBy, detections,
                segment != null ? segment : other.segment, day, confirmed || other.confirmed,
                otherAcked ? other.acknowledgedAt : acknowledgedAt, otherAcked ? other.acknowledgedBy : acknowledgedBy,
                Math.max(changedAt, other.changedAt), otherReviewed ? other.reviewedAt : reviewedAt,
                otherReviewed ? other.reviewedBy : reviewedBy);
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
