package io.sightline.capture;

import io.micrometer.core.instrument.Counter;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.FrameMeta;
import io.sightline.wire.JpegFrame;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * {@code sightline.stream.mode=event}: only frames around matching detections are sent. The encoded JPEGs of
 * the last {@code preRollMillis} wait in a ring buffer (also bounded in bytes); a frame with a matching
 * detection starts an event, which sends the buffer and every frame until {@code postRollMillis} after the
 * last matching detection. Each event is one segment ({@code <stream>-e<n>}), its first frame the oldest
 * pre-roll frame, its last frame flagged, so the receiver completes it at once.
 */
public class EventClips {

    private final Set<String> labels;
    private final long preRollMillis;
    private final long postRollMillis;
    private final long maxBufferBytes;
    private final ArrayDeque<JpegFrame> preRoll = new ArrayDeque<>();
    private final Counter events;
    private long bufferedBytes;
    private String segment;
    private long first;
    private long lastMatch;
    private int eventNumber;

    /** @param labels detections that start or extend an event; empty: any detection */
    public EventClips(Set<String> labels, long preRollMillis, long postRollMillis, long maxBufferBytes,
                      SightlineMetrics metrics, String device) {
        this.labels = Set.copyOf(labels);
        this.preRollMillis = preRollMillis;
        this.postRollMillis = postRollMillis;
        this.maxBufferBytes = maxBufferBytes;
        this.events = metrics.counter("events.started", "device", device);
    }

    /** Step of {@code frames-select}: the frames to send now (none, this one, or the pre-roll and this one). */
    public synchronized List<JpegFrame> select(@Body byte[] jpeg, @ExchangeProperty("frame") FrameMeta meta) {
        boolean matches = meta.detections().stream().anyMatch(d -> labels.isEmpty() || labels.contains(d.label()));
        if (segment == null && !matches) {
            buffer(new JpegFrame(meta, jpeg));
            return List.of();
        }
        List<JpegFrame> out = new ArrayList<>();
        if (segment == null) {
            segment = String.format("%s-e%05d", meta.stream(), eventNumber++);
            first = preRoll.isEmpty() ? meta.frame() : preRoll.peekFirst().meta().frame();
            events.increment();
            for (JpegFrame f : preRoll) {
                out.add(new JpegFrame(place(f.meta(), false), f.jpeg()));
            }
            preRoll.clear();
            bufferedBytes = 0;
        }
        if (matches) {
            lastMatch = meta.captureTime();
        }
        boolean last = !matches && meta.captureTime() - lastMatch >= postRollMillis;
        out.add(new JpegFrame(place(meta, last), jpeg));
        if (last) {
            segment = null;
        }
        return out;
    }

    private FrameMeta place(FrameMeta m, boolean last) {
        return new FrameMeta(m.device(), m.stream(), m.frame(), m.captureTime(), segment, first, last, m.detections());
    }

    private void buffer(JpegFrame frame) {
        preRoll.addLast(frame);
        bufferedBytes += frame.jpeg().length;
        long now = frame.meta().captureTime();
        // keep frames captured within the pre-roll before now (the current frame included)
        while (!preRoll.isEmpty() && (now - preRoll.peekFirst().meta().captureTime() >= preRollMillis
                || bufferedBytes > maxBufferBytes)) {
            bufferedBytes -= preRoll.pollFirst().jpeg().length;
        }
    }
}
