package io.sightline;

import io.sightline.wire.JpegCheck;

import java.io.IOException;
import java.io.InputStream;

/** Reads the parts of a {@code live.mjpeg} stream one by one: when each arrived, its capture time, its picture. */
final class LiveParts {

    /** One live frame: when it was read (this clock), when it was captured (the sender's), its size. */
    record Part(long receivedAt, long captureTime, int width, int height, int bytes) {
    }

    private final InputStream in;

    LiveParts(InputStream in) {
        this.in = in;
    }

    Part next() throws IOException {
        long captureTime = -1;
        int length = -1;
        String line;
        while (!(line = line()).isEmpty() || length < 0) {
            if (line.startsWith("Sightline-Capture-Time:")) {
                captureTime = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            } else if (line.startsWith("Content-Length:")) {
                length = Integer.parseInt(line.substring(line.indexOf(':') + 1).trim());
            }
        }
        byte[] jpeg = in.readNBytes(length);
        long receivedAt = System.currentTimeMillis();
        in.readNBytes(2);
        JpegCheck.Size size = JpegCheck.inspect(jpeg, Long.MAX_VALUE);
        return new Part(receivedAt, captureTime, size.width(), size.height(), length);
    }

    private String line() throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) {
                throw new IOException("stream ended");
            }
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }
}
