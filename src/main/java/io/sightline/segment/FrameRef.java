package io.sightline.segment;

import io.sightline.wire.Detection;

import java.util.List;

/**
 * A stored frame as the Aggregator carries it: where its JPEG lies on disk, never the image itself, so a
 * segment's aggregate stays small however many frames it has.
 */
public record FrameRef(long frame, long captureTime, String file, int width, int height, List<Detection> detections) {

    public FrameRef {
        detections = List.copyOf(detections);
    }
}
