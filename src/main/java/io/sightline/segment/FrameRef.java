package io.sightline.segment;

import io.sightline.wire.Detection;

import java.util.List;

/**
 * A stored frame as the Aggregator carries it: where its JPEG lies on disk (a byte range of its segment's
 * {@link FrameLog}), never the image itself, so a segment's aggregate stays small however many frames it has;
 * {@code reduced} when it is a sender's live copy of lower quality, which its full-quality copy replaces later.
 */
public record FrameRef(long frame, long captureTime, String log, long offset, int length, int width, int height,
                       List<Detection> detections, boolean reduced) {

    public FrameRef {
        detections = List.copyOf(detections);
    }
}
