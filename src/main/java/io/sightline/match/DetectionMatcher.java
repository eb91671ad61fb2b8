package io.sightline.match;

import io.sightline.wire.DetectionDatagram;

import io.sightline.monitor.SightlineMetrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.BitSet;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Matches UDP detection datagrams to frames by the frame key (device + stream + frame number), and counts
 * datagrams per device: received, and lost as gaps in the per-stream datagram sequence. Memory is bounded: a
 * window of recent frame numbers per stream, and a fixed number of streams.
 */
public class DetectionMatcher {

    static final int WINDOW = 1 << 16;
    private static final int MAX_STREAMS = 1024;

    private final Map<String, StreamState> streams = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, StreamState> eldest) {
            return size() > MAX_STREAMS;
        }
    };

    public record DeviceCounts(String device, long received, long lost, long spooled) {
    }

    private static final class StreamState {
        final String device;
        final BitSet seen = new BitSet(WINDOW);
        long highestFrame = -1;
        long nextSeq = -1;
        long lost;

        StreamState(String device) {
            this.device = device;
        }
    }

    private final SightlineMetrics metrics;
    private final Map<String, long[]> deviceTotals = new HashMap<>();
    private final Map<String, DetectionDatagram.Link> links = new HashMap<>();

    public DetectionMatcher(SightlineMetrics metrics) {
        this.metrics = metrics;
    }

    /** Route step of {@code detections-in}. */
    public synchronized void onDatagram(DetectionDatagram datagram) {
        StreamState s = streams.computeIfAbsent(datagram.device() + "/" + datagram.stream(),
                k -> new StreamState(datagram.device()));
        long[] totals = deviceTotals.computeIfAbsent(datagram.device(), this::exposeDevice);
        long lostBefore = s.lost;
        if (s.nextSeq >= 0 && datagram.seq() > s.nextSeq) {
            s.lost += datagram.seq() - s.nextSeq;
        } else if (s.nextSeq >= 0 && datagram.seq() < s.nextSeq && s.lost > 0) {
            s.lost--; // arrived late, not lost
        }
        s.nextSeq = Math.max(s.nextSeq, datagram.seq() + 1);
        totals[0]++;
        totals[1] += s.lost - lostBefore;
        totals[2] = datagram.spooled();
        if (datagram.link() != null && links.put(datagram.device(), datagram.link()) == null) {
            exposeLink(datagram.device());
        }
        if (DetectionDatagram.DETECTIONS.equals(datagram.type())) {
            long frame = datagram.frame();
            if (frame > s.highestFrame) {
                for (long f = Math.max(s.highestFrame + 1, frame - WINDOW + 1); f < frame; f++) {
                    s.seen.clear((int) (f % WINDOW));
                }
                s.highestFrame = frame;
            }
            if (frame > s.highestFrame - WINDOW) {
                s.seen.set((int) (frame % WINDOW));
            }
        }
    }

    /** Whether the detection datagram of this frame arrived (within the window of recent frames). */
    public synchronized boolean datagramSeen(String device, String stream, long frame) {
        StreamState s = streams.get(device + "/" + stream);
        return s != null && frame <= s.highestFrame && frame > s.highestFrame - WINDOW
                && s.seen.get((int) (frame % WINDOW));
    }

    /** How the device last said it sees its uplink (rung, estimate, backlog), or null when it never did. */
    public synchronized DetectionDatagram.Link link(String device) {
        return links.get(device);
    }

    private void exposeLink(String device) {
        metrics.gauge("sender.rung", this, m -> m.link(device).rung(), "device", device);
        metrics.gauge("sender.link.kbps", this, m -> m.link(device).estimateKbps(), "device", device);
        metrics.gauge("sender.backlog.seconds", this, m -> m.link(device).backlogSeconds(), "device", device);
    }

    /** Totals per device since start (streams evicted from the window still count). */
    public synchronized List<DeviceCounts> counts() {
        List<DeviceCounts> counts = new ArrayList<>();
        deviceTotals.forEach((d, c) -> counts.add(new DeviceCounts(d, c[0], c[1], c[2])));
        counts.sort(Comparator.comparing(DeviceCounts::device));
        return counts;
    }

    private long[] exposeDevice(String device) {
        long[] totals = new long[3]; // received, lost, the sender's last reported spool backlog
        metrics.functionCounter("datagrams.received", () -> total(totals, 0), "device", device);
        metrics.functionCounter("datagrams.lost", () -> total(totals, 1), "device", device);
        metrics.gauge("sender.spooled", totals, t -> total(t, 2), "device", device);
        return totals;
    }

    private synchronized long total(long[] totals, int index) {
        return totals[index];
    }
}
