package io.sightline.segment;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** The frames of one segment gathered so far (the Aggregator's aggregate body). */
public class SegmentAssembly {

    private final String device;
    private final String stream;
    private final String segment;
    private final List<FrameRef> frames = new ArrayList<>();
    private final Set<Long> numbers = new HashSet<>();
    private long first = -1;
    private long last = -1;

    public SegmentAssembly(String device, String stream, String segment) {
        this.device = device;
        this.stream = stream;
        this.segment = segment;
    }

    /**
     * @param segmentFirst  number of the segment's first frame, as the sender said
     * @param lastInSegment whether this frame is the segment's last
     */
    public synchronized void add(FrameRef frame, long segmentFirst, boolean lastInSegment) {
        frames.add(frame);
        numbers.add(frame.frame());
        first = first < 0 ? segmentFirst : Math.min(first, segmentFirst);
        if (lastInSegment) {
            last = frame.frame();
        }
    }

    public String getDevice() {
        return device;
    }

    public String getStream() {
        return stream;
    }

    public String getSegment() {
        return segment;
    }

    /**
     * The completion predicate of the {@code segments} route: the last frame arrived and so did every frame from
     * the first to it. Frames arrive out of order when several are in flight or come back from a spool; a segment
     * with frames that never come completes by inactivity instead.
     */
    public synchronized boolean isComplete() {
        if (last < 0) {
            return false;
        }
        for (long n = first; n <= last; n++) {
            if (!numbers.contains(n)) {
                return false;
            }
        }
        return true;
    }

    public synchronized int getSize() {
        return frames.size();
    }

    /**
     * Frames by frame number, each number once (a retried frame may have been stored twice), the best copy of each:
     * a full-quality copy over a reduced one.
     */
    public synchronized List<FrameRef> ordered() {
        Map<Long, FrameRef> byNumber = new TreeMap<>();
        frames.forEach(f -> byNumber.merge(f.frame(), f, (kept, other) -> kept.reduced() && !other.reduced() ? other : kept));
        List<FrameRef> ordered = new ArrayList<>(byNumber.values());
        ordered.sort(Comparator.comparingLong(FrameRef::frame));
        return ordered;
    }

    /** The copies {@link #ordered()} leaves out: a frame stored twice, a reduced copy of a frame also held full. */
    public synchronized List<FrameRef> superseded() {
        java.util.Set<FrameRef> kept = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        kept.addAll(ordered());
        return frames.stream().filter(f -> !kept.contains(f)).toList();
    }
}
