package io.sightline.wire;

import io.micrometer.core.instrument.Counter;
import org.apache.camel.Exchange;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;

/**
 * Decides which datagram, if any, a captured frame produces: its detections when it has some, otherwise a
 * heartbeat at most once per {@code heartbeatMillis}. Numbers the datagrams of the stream and reports the
 * spool backlog in each.
 */
public class DetectionDatagrams {

    private final long heartbeatMillis;
    private final AtomicLong seq = new AtomicLong();
    private volatile long lastSent = Long.MIN_VALUE / 2;

    private final Counter sent;
    private final Counter bytesSent;

    private final IntSupplier spooled;

    private final byte[] key;

    /** @param key the device's datagram key ({@link DeviceKeys#datagramKey}) */
    public DetectionDatagrams(long heartbeatMillis, byte[] key, IntSupplier spooled, Counter sent, Counter bytesSent) {
        this.heartbeatMillis = heartbeatMillis;
        this.key = key.clone();
        this.spooled = spooled;
        this.sent = sent;
        this.bytesSent = bytesSent;
    }

    /** @return the encoded datagram, or {@code null} when this frame sends none */
    public byte[] forFrame(Exchange exchange) {
        FrameMeta meta = exchange.getProperty(FrameHeaders.FRAME_PROPERTY, FrameMeta.class);
        boolean hasDetections = !meta.detections().isEmpty();
        if (!hasDetections && meta.captureTime() - lastSent < heartbeatMillis) {
            return null;
        }
        lastSent = meta.captureTime();
        String type = hasDetections ? DetectionDatagram.DETECTIONS : DetectionDatagram.HEARTBEAT;
        byte[] datagram = DatagramCodec.encode(new DetectionDatagram(DatagramCodec.VERSION, type, meta.device(),
                meta.stream(), seq.getAndIncrement(), meta.frame(), meta.captureTime(), meta.detections(), 0,
                spooled.getAsInt()), key);
        sent.increment();
        bytesSent.increment(datagram.length);
        return datagram;
    }
}
