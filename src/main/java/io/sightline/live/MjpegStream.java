package io.sightline.live;

import io.sightline.wire.FrameHeaders;
import io.sightline.wire.FrameMeta;
import org.apache.camel.Exchange;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * A {@code live.mjpeg} response: each part is the newest frame of the device, written as soon as it arrives
 * (a viewer that is behind skips frames, nothing queues up). Each part carries the frame's {@code Sightline-*}
 * headers (stream, frame, capture time, detections), so a viewer can draw the detections of exactly the frame it
 * shows and tell how old the frame is. Without new frames the last one is repeated every few seconds, which keeps
 * proxies from timing the stream out.
 */
public class MjpegStream extends ResponseStream {

    public static final String BOUNDARY = "sightline-frame";
    private static final long KEEPALIVE_MILLIS = 5000;

    private final LiveHub.DeviceLive device;
    private long sentVersion = -1;

    MjpegStream(LiveHub.DeviceLive device, Exchange exchange, Consumer<ResponseStream> onClose) {
        super(exchange, "multipart/x-mixed-replace; boundary=" + BOUNDARY, onClose);
        this.device = device;
    }

    @Override
    byte[] next() throws InterruptedException {
        byte[] jpeg;
        FrameMeta meta;
        synchronized (device) {
            long deadline = System.currentTimeMillis() + KEEPALIVE_MILLIS;
            for (long left = KEEPALIVE_MILLIS; !isClosed() && device.version == sentVersion && left > 0;
                 left = deadline - System.currentTimeMillis()) {
                device.wait(left);
            }
            sentVersion = device.version;
            jpeg = device.jpeg;
            meta = device.meta;
        }
        String head = "--" + BOUNDARY + "\r\nContent-Type: image/jpeg\r\nContent-Length: " + jpeg.length
                + "\r\n" + FrameHeaders.STREAM + ": " + meta.stream() + "\r\n" + FrameHeaders.FRAME + ": " + meta.frame()
                + "\r\n" + FrameHeaders.CAPTURE_TIME + ": " + meta.captureTime()
                + "\r\n" + FrameHeaders.DETECTIONS + ": " + FrameHeaders.detectionsHeader(meta.detections()) + "\r\n\r\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream(head.length() + jpeg.length + 2);
        out.writeBytes(head.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(jpeg);
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    @Override
    void wake() {
        synchronized (device) {
            device.notifyAll();
        }
    }
}
