package io.sightline.capture;

/**
 * Cuts a stream into continuous segments of a fixed length, by capture time. A frame is marked last in its
 * segment when the next frame, one nominal interval later, would fall into the next segment; if that guess is
 * wrong the receiver still completes the segment by inactivity.
 */
public class SegmentPlanner {

    /** The frame's segment, the number of that segment's first frame, and whether this frame is its last. */
    public record Placement(String segment, long first, boolean last) {
    }

    private final String streamId;
    private final long segmentMillis;
    private final long frameIntervalMillis;
    private long streamStart = -1;
    private long currentIndex = -1;
    private long currentFirst;

    public SegmentPlanner(String streamId, long segmentMillis, long frameIntervalMillis) {
        this.streamId = streamId;
        this.segmentMillis = segmentMillis;
        this.frameIntervalMillis = frameIntervalMillis;
    }

    public Placement place(long frame, long captureTime) {
        if (streamStart < 0) {
            streamStart = captureTime;
        }
        long offset = Math.max(0, captureTime - streamStart);
        long index = offset / segmentMillis;
        if (index != currentIndex) {
            currentIndex = index;
            currentFirst = frame;
        }
        boolean last = (offset + frameIntervalMillis) / segmentMillis > index;
        return new Placement(String.format("%s-%05d", streamId, index), currentFirst, last);
    }
}
