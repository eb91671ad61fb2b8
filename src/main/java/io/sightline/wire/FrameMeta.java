package io.sightline.wire;

import java.util.List;

/**
 * What travels with every frame: the frame key (device + stream + frame number), when it was captured,
 * which segment it belongs to, and what the detector found in it.
 */
public record FrameMeta(
        String device,
        String stream,
        long frame,
        long captureTime,
        String segment,
        boolean lastInSegment,
        List<Detection> detections) {

    public FrameMeta {
        detections = List.copyOf(detections);
    }

    public FrameMeta withDetections(List<Detection> found) {
        return new FrameMeta(device, stream, frame, captureTime, segment, lastInSegment, found);
    }

    /** Frames with the same segment key go into the same segment file. */
    public String segmentKey() {
        return device + "/" + stream + "/" + segment;
    }
}
