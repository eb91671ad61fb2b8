package io.sightline.command;

import io.micrometer.core.instrument.Counter;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.DetectionDatagram;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether the sender streams frames or waits (an operator, or an alert rule, told it to hold). Capture,
 * detection and datagrams go on while it waits, so the receiver still sees the device and its detections.
 */
public class SenderState {

    private static final Logger LOG = LoggerFactory.getLogger(SenderState.class);

    private volatile boolean waiting;
    private final Counter held;

    public SenderState(SightlineMetrics metrics, String device) {
        metrics.gauge("sender.waiting", this, s -> s.waiting ? 1 : 0, "device", device);
        held = metrics.counter("frames.held", "device", device);
    }

    /** A frame captured while waiting, not sent ({@code sightline.sender.wait-frames=hold}). */
    public void hold() {
        held.increment();
    }

    /** For the routes: frames are held back while this is true. */
    public boolean waiting() {
        return waiting;
    }

    public String state() {
        return waiting ? DetectionDatagram.WAITING : DetectionDatagram.STREAMING;
    }

    void apply(String command) {
        boolean wait = CommandDatagram.WAIT.equals(command);
        if (wait != waiting) {
            waiting = wait;
            LOG.info("Operator command {}: sender is now {}", command, state());
        }
    }
}
