package io.sightline.wire;

import io.micrometer.core.instrument.Counter;
import org.apache.camel.ExchangeProperty;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.function.Supplier;

/**
 * Decides which datagram, if any, a captured frame produces: its detections when it has some, otherwise a
 * heartbeat at most once per {@code heartbeatMillis}; and makes the acknowledgements of operator commands.
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
    private final AtomicLong seq = new AtomicLong();
    private volatile long lastSent = Long.MIN_VALUE / 2;
    private volatile long lastFrame;

    private final Counter sent;
    private final Counter bytesSent;

    /** @param sender with the device's datagram key ({@link DeviceKeys#datagramKey}) */
    public DetectionDatagrams(long heartbeatMillis, Sender sender, Counter sent, Counter bytesSent) {
        this.heartbeatMillis = heartbeatMillis;
        this.sender = sender;
        this.sent = sent;
        this.bytesSent = bytesSent;
    }

    /** @return the encoded datagram, or {@code null} when this frame sends none */
    public byte[] forFrame(@ExchangeProperty("frame") FrameMeta meta) {
        lastFrame = meta.frame();
        boolean hasDetections = !meta.detections().isEmpty();
        if (!hasDetections && meta.captureTime() - lastSent < heartbeatMillis) {
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
        sent.increment();
        bytesSent.increment(datagram.length);
        return datagram;
    }
}
