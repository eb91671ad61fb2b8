package io.sightline.capture;

import io.micrometer.core.instrument.Counter;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.FrameHeaders;
import io.sightline.wire.FrameMeta;
import org.apache.camel.Body;
import org.apache.camel.Exchange;

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

    /** One frame to send: its metadata (placed in the event's segment) and its JPEG. */
    public record Frame(FrameMeta meta, byte[] jpeg) {
    }

    private final Set<String> labels;
    private final long preRollMillis;
    private final long postRollMillis;
    private final long maxBufferBytes;
    private final ArrayDeque<Frame> preRoll = new ArrayDeque<>();
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
    public synchronized List<Frame> select(@Body byte[] jpeg, Exchange exchange) {
        FrameMeta meta = exchange.getProperty(FrameHeaders.FRAME_PROPERTY, FrameMeta.class);
        boolean matches = meta.detections().stream().anyMatch(d -> labels.isEmpty() || labels.contains(d.label()));
        if (segment == null && !matches) {
            buffer(new Frame(meta, jpeg));
            return List.of();
        }
        List<Frame> out = new ArrayList<>();
        if (segment == null) {
            segment = String.format("%s-e%05d", meta.stream(), eventNumber++);
            first = preRoll.isEmpty() ? meta.frame() : preRoll.peekFirst().meta().frame();
            events.increment();
            for (Frame f : preRoll) {
                out.add(new Frame(place(f.meta(), false), f.jpeg()));
            }
            preRoll.clear();
            bufferedBytes = 0;
        }
        if (matches) {
            lastMatch = meta.captureTime();
        }
        boolean last = !matches && meta.captureTime() - lastMatch >= postRollMillis;
        out.add(new Frame(place(meta, last), jpeg));
        if (last) {
            segment = null;
        }
        return out;
    }

    /** Step inside the split: the frame's metadata back in the exchange property, its JPEG in the body. */
    public byte[] unpack(@Body Frame frame, Exchange exchange) {
        exchange.setProperty(FrameHeaders.FRAME_PROPERTY, frame.meta());
        return frame.jpeg();
    }

    private FrameMeta place(FrameMeta m, boolean last) {
        return new FrameMeta(m.device(), m.stream(), m.frame(), m.captureTime(), segment, first, last, m.detections());
    }

    private void buffer(Frame frame) {
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
