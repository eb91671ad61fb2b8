package io.sightline.segment;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The frames of one segment gathered so far (the Aggregator's aggregate body). */
public class SegmentAssembly {

    private final String device;
    private final String stream;
    private final String segment;
    private final List<FrameRef> frames = new ArrayList<>();
    private boolean lastSeen;

    public SegmentAssembly(String device, String stream, String segment) {
        this.device = device;
        this.stream = stream;
        this.segment = segment;
    }

    public synchronized void add(FrameRef frame, boolean lastInSegment) {
        frames.add(frame);
        lastSeen |= lastInSegment;
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

    /** True once the frame flagged last-in-segment arrived: the completion predicate of the route. */
    public synchronized boolean isLastSeen() {
        return lastSeen;
    }

    public synchronized int getSize() {
        return frames.size();
    }

    /** Frames by frame number, each number once (a retried frame may have been stored twice). */
    public synchronized List<FrameRef> ordered() {
        Map<Long, FrameRef> byNumber = new TreeMap<>();
        frames.forEach(f -> byNumber.putIfAbsent(f.frame(), f));
        List<FrameRef> ordered = new ArrayList<>(byNumber.values());
        ordered.sort(Comparator.comparingLong(FrameRef::frame));
        return ordered;
    }
}
