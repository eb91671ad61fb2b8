package io.sightline.live;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The body of a {@code live.mjpeg} response. Each read continues the current part; when a part is done the
 * next one is the newest frame of the device, waiting for one if needed. The HTTP server pulls only as fast as
 * the viewer takes bytes, so a slow viewer gets fewer frames, never a queue of old ones.
 */
public class MjpegStream extends InputStream {

    public static final String BOUNDARY = "sightline-frame";
    private static final long KEEPALIVE_MILLIS = 5000;
    /**
     * The HTTP server reads a streamed body in chunks of this size and sends a chunk only when it is full, so
     * every part is padded (in a header) to a multiple of it: otherwise a frame's tail would wait for the next
     * frame.
     */
    static final int CHUNK = 4096;
    private static final int MIN_PADDING_LINE = "X-Padding: \r\n".length();

    private final LiveHub.DeviceLive device;
    private final Consumer<MjpegStream> onClose;
    private byte[] part = new byte[0];
    private int position;
    private long sentVersion = -1;
    private volatile boolean closed;

    MjpegStream(LiveHub.DeviceLive device, Consumer<MjpegStream> onClose) {
        this.device = device;
        this.onClose = onClose;
    }

    @Override
    public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) {
        if (length == 0) {
            return 0;
        }
        if (position >= part.length && !nextPart()) {
            return -1;
        }
        int n = Math.min(length, part.length - position);
        System.arraycopy(part, position, buffer, offset, n);
        position += n;
        return n;
    }

    private boolean nextPart() {
        byte[] jpeg;
        synchronized (device) {
            long deadline = System.currentTimeMillis() + KEEPALIVE_MILLIS;
            while (!closed && device.version == sentVersion) {
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    break; // repeat the last frame: keeps proxies from timing the stream out
                }
                try {
                    device.wait(Math.min(left, 500));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    closed = true;
                }
            }
            if (closed) {
                return false;
            }
            sentVersion = device.version;
            jpeg = device.jpeg;
        }
        String head = "--" + BOUNDARY + "\r\nContent-Type: image/jpeg\r\nContent-Length: " + jpeg.length + "\r\n";
        int unpadded = head.length() + 2 + jpeg.length + 2;
        int padding = (CHUNK - unpadded % CHUNK) % CHUNK;
        if (padding < MIN_PADDING_LINE) {
            padding += CHUNK;
        }
        head += "X-Padding: " + ".".repeat(padding - MIN_PADDING_LINE) + "\r\n\r\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream(unpadded + padding);
        out.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(jpeg);
        out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        part = out.toByteArray();
        position = 0;
        return true;
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            onClose.accept(this);
            synchronized (device) {
                device.notifyAll();
            }
        }
    }
}
