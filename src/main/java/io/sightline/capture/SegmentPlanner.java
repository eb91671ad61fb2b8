package io.sightline.capture;

/**
 * Cuts a stream into continuous segments of a fixed length, by capture time. A frame is marked last in its
 * segment when the next frame, one nominal interval later, would fall into the next segment (if that guess is
 * wrong the receiver still completes the segment by inactivity), or when it ends a run of its source (a file's
 * end, or the frame before it loops): the next run starts a segment of its own.
 */
public class SegmentPlanner {

    /** The frame's segment, the number of that segment's first frame, and whether this frame is its last. */
    public record Placement(String segment, long first, boolean last) {
    }

    private final String streamId;
    private final long segmentMillis;
    private final long frameIntervalMillis;
    private long runStart = -1;
    private long runFirstIndex;
    private long currentIndex = -1;
    private long currentFirst;
    /** The current segment's name, made once per segment (not per frame: formatting showed in the profile). */
    private String currentName;

    public SegmentPlanner(String streamId, long segmentMillis, long frameIntervalMillis) {
        this.streamId = streamId;
        this.segmentMillis = segmentMillis;
        this.frameIntervalMillis = frameIntervalMillis;
    }

    public Placement place(long frame, long captureTime) {
        return place(frame, captureTime, 0, false);
    }

    /**
     * @param intervalMillis the nominal time to the next frame (a file's own frame interval); 0: the capture's
     * @param endsRun the source ends (or starts again) after this frame
     */
    public Placement place(long frame, long captureTime, long intervalMillis, boolean endsRun) {
        long interval = intervalMillis > 0 ? intervalMillis : frameIntervalMillis;
        if (runStart < 0) {
            runStart = captureTime;
            runFirstIndex = currentIndex + 1;
        }
        long offset = Math.max(0, captureTime - runStart);
        long index = runFirstIndex + offset / segmentMillis;
        if (index != currentIndex) {
            currentIndex = index;
            currentFirst = frame;
            currentName = String.format("%s-%05d", streamId, index);
        }
        boolean last = endsRun || (offset + interval) / segmentMillis > index - runFirstIndex;
        if (endsRun) {
            runStart = -1;
        }
        return new Placement(currentName, currentFirst, last);
    }
}
