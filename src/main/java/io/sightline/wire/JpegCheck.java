package io.sightline.wire;

import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;

/**
 * Checks that a request body is one plausible JPEG image before it is stored: size limit, start and end
 * markers, and a frame header (SOF) with sane dimensions.
 */
public final class JpegCheck {

    public static final int MAX_DIMENSION = 8192;

    public record Size(int width, int height) {
    }

    private final long maxBytes;

    public JpegCheck(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /** Route step of {@code frames-in}: a JPEG, and the frame's detection boxes inside it; its size. */
    public Size check(@Body byte[] jpeg, @ExchangeProperty("frame") FrameMeta meta) {
        Size size = inspect(jpeg, maxBytes);
        for (Detection d : meta.detections()) {
            if (d.box()[2] > size.width() || d.box()[3] > size.height()) {
                throw new InvalidInputException(400, "invalid-detections",
                        "a detection box reaches outside the " + size.width() + "x" + size.height() + " frame");
            }
        }
        return size;
    }

    public static Size inspect(byte[] body, long maxBytes) {
        if (body == null || body.length == 0) {
            throw new InvalidInputException(415, "not-jpeg", "the body is empty; expected image/jpeg");
        }
        if (body.length > maxBytes) {
            throw new InvalidInputException(413, "too-large", "frame of " + body.length + " bytes exceeds the limit of " + maxBytes);
        }
        int n = body.length;
        if (n < 4 || (body[0] & 0xFF) != 0xFF || (body[1] & 0xFF) != 0xD8) {
            throw new InvalidInputException(415, "not-jpeg", "the body does not start with a JPEG SOI marker");
        }
        if ((body[n - 2] & 0xFF) != 0xFF || (body[n - 1] & 0xFF) != 0xD9) {
            throw new InvalidInputException(415, "not-jpeg", "the body does not end with a JPEG EOI marker");
        }
        Size size = frameSize(body);
        if (size == null || size.width() < 1 || size.height() < 1
                || size.width() > MAX_DIMENSION || size.height() > MAX_DIMENSION) {
            throw new InvalidInputException(415, "not-jpeg", "the JPEG has no frame header with sane dimensions");
        }
        return size;
    }

    /** Walks the marker segments up to the first SOFn header. */
    static Size frameSize(byte[] b) {
        int i = 2;
        while (i + 9 < b.length) {
            if ((b[i] & 0xFF) != 0xFF) {
                return null;
            }
            int marker = b[i + 1] & 0xFF;
            if (marker == 0xFF) {
                i++;
                continue;
            }
            int length = ((b[i + 2] & 0xFF) << 8) | (b[i + 3] & 0xFF);
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof) {
                int height = ((b[i + 5] & 0xFF) << 8) | (b[i + 6] & 0xFF);
                int width = ((b[i + 7] & 0xFF) << 8) | (b[i + 8] & 0xFF);
                return new Size(width, height);
            }
            if (marker == 0xDA || length < 2) {
                return null;
            }
            i += 2 + length;
        }
        return null;
    }
}
