package io.sightline.live;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * The body of one {@code text/event-stream} response. Each read continues the current event; when it is done,
 * the next queued event follows, or a comment after 15 s of silence (keeps proxies from closing the stream).
 * Events are padded with a comment line to a multiple of the HTTP server's 4 KiB read chunk, like the MJPEG
 * parts, so none waits in a half-filled chunk.
 */
public class EventStream extends InputStream {

    static final int QUEUE = 128;
    private static final long KEEPALIVE_MILLIS = 15_000;

    private final ArrayDeque<String> queue = new ArrayDeque<>();
    private final Consumer<EventStream> onClose;
    private byte[] current = padded(": connected\n\n");
    private int position;
    private boolean closed;

    EventStream(Consumer<EventStream> onClose) {
        this.onClose = onClose;
    }

    synchronized void offer(String type, String json) {
        if (queue.size() >= QUEUE) {
            queue.pollFirst(); // a viewer that cannot keep up loses its oldest events
        }
        queue.addLast("event: " + type + "\ndata: " + json + "\n\n");
        notifyAll();
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
        if (position >= current.length && !next()) {
            return -1;
        }
        int n = Math.min(length, current.length - position);
        System.arraycopy(current, position, buffer, offset, n);
        position += n;
        return n;
    }

    private synchronized boolean next() {
        long deadline = System.currentTimeMillis() + KEEPALIVE_MILLIS;
        while (!closed && queue.isEmpty()) {
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                break;
            }
            try {
                wait(Math.min(left, 500));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                closed = true;
            }
        }
        if (closed) {
            return false;
        }
        current = padded(queue.isEmpty() ? ": keep-alive\n\n" : queue.pollFirst());
        position = 0;
        return true;
    }

    /** The event followed by a comment line that brings it to a multiple of the chunk size. */
    static byte[] padded(String event) {
        byte[] bytes = event.getBytes(StandardCharsets.UTF_8);
        int padding = (MjpegStream.CHUNK - bytes.length % MjpegStream.CHUNK) % MjpegStream.CHUNK;
        if (padding > 0 && padding < 3) {
            padding += MjpegStream.CHUNK;
        }
        byte[] out = new byte[bytes.length + padding];
        System.arraycopy(bytes, 0, out, 0, bytes.length);
        if (padding > 0) {
            out[bytes.length] = ':';
            for (int i = bytes.length + 1; i < out.length - 1; i++) {
                out[i] = ' ';
            }
            out[out.length - 1] = '\n';
        }
        return out;
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            notifyAll();
        }
        onClose.accept(this);
    }
}
