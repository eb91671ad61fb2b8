package io.sightline.wire;

import java.util.List;

/**
 * What travels with every frame: the frame key (device + stream + frame number), when it was captured,
 * which segment it belongs to (with the number of the segment's first frame, so the receiver knows when it has
 * all of it), and what the detector found in it.
 */
public record FrameMeta(
        String device,
        String stream,
        long frame,
        long captureTime,
        String segment,
        long segmentFirst,
        boolean lastInSegment,
        List<Detection> detections) {

    public FrameMeta {
        detections = List.copyOf(detections);
    }

    public FrameMeta withDetections(List<Detection> found) {
        return new FrameMeta(device, stream, frame, captureTime, segment, segmentFirst, lastInSegment, found);
    }

    /** The frame key: unique for every frame ever captured by any device. */
    public String frameKey() {
        return device + "/" + stream + "/" + frame;
    }

    /** Frames with the same segment key go into the same segment file. */
    public String segmentKey() {
        return device + "/" + stream + "/" + segment;
    }
}
