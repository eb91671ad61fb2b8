package io.sightline.wire;

import io.micrometer.core.instrument.Counter;
import org.apache.camel.ExchangeProperty;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Decides which datagram, if any, a captured frame produces: its detections when it has some and the
 * {@link DatagramBudget} lets them go (else they travel with their frame only), otherwise a heartbeat at most once
 * per {@code heartbeatMillis}, which also goes while the budget holds detections back; and makes the
 * acknowledgements of operator commands.
 * Numbers the datagrams of the stream and reports in each the spool backlog, the sender's state and the port it
 * takes commands on.
 */
public class DetectionDatagrams {

    /** Where the datagrams come from and what they report about the sender besides detections. */
    public record Sender(String device, String stream, byte[] key, IntSupplier spooled, Supplier<String> state,
                         Integer commandPort, Supplier<DetectionDatagram.Link> link) {
    }

    private final long heartbeatMillis;
    private final Sender sender;
    private final DatagramBudget budget;
    private final AtomicLong seq = new AtomicLong();
    private volatile long lastSent = Long.MIN_VALUE / 2;
    private volatile long lastFrame;

    private final Counter sent;
    private final Counter bytesSent;
    private final Counter heldBack;

    /**
     * @param sender with the device's datagram key ({@link DeviceKeys#datagramKey})
     * @param heldBack counts frames whose detections the budget kept off the uplink
     */
    public DetectionDatagrams(long heartbeatMillis, Sender sender, DatagramBudget budget, Counter sent,
                              Counter bytesSent, Counter heldBack) {
        this.heartbeatMillis = heartbeatMillis;
        this.sender = sender;
        this.budget = budget;
        this.sent = sent;
        this.bytesSent = bytesSent;
        this.heldBack = heldBack;
    }

    /** @return the encoded datagram, or {@code null} when this frame sends none */
    public byte[] forFrame(@ExchangeProperty("frame") FrameMeta meta) {
        lastFrame = meta.frame();
        boolean hasDetections = !meta.detections().isEmpty();
        boolean heartbeatDue = meta.captureTime() - lastSent >= heartbeatMillis;
        if (!hasDetections && !heartbeatDue) {
            return null;
        }
        if (hasDetections && !heartbeatDue && !budget.allows(meta.detections())) {
            heldBack.increment();
            return null;
        }
        lastSent = meta.captureTime();
        String type = hasDetections ? DetectionDatagram.DETECTIONS : DetectionDatagram.HEARTBEAT;
        return signed(type, meta.frame(), meta.captureTime(), meta.detections(), null);
    }

    /** The acknowledgement of command {@code id}, with the state it left the sender in. */
    public byte[] ack(String id) {
        return signed(DetectionDatagram.ACK, lastFrame, System.currentTimeMillis(), List.of(), id);
    }

    private byte[] signed(String type, long frame, long t, List<Detection> detections, String ack) {
        byte[] datagram = DatagramCodec.encode(new DetectionDatagram(DatagramCodec.VERSION, type, sender.device(),
                sender.stream(), seq.getAndIncrement(), frame, t, detections, 0, sender.spooled().getAsInt(),
                sender.state().get(), sender.commandPort(), ack, sender.link().get()), sender.key());
        budget.spent(datagram.length, detections); // none: heartbeat, ack
        sent.increment();
        bytesSent.increment(datagram.length);
        return datagram;
    }
}
