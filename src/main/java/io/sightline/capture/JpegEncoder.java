package io.sightline.capture;

import io.micrometer.core.instrument.Counter;
import org.apache.camel.Exchange;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.opencv.opencv_core.Mat;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

/**
 * Turns the frame in the body into JPEG bytes. The only encoding the sender does: frames, never video.
 * {@code encoded} counts the frames (null: not counted, for tools and tests).
 */
public class JpegEncoder {

    private final IntPointer params;
    private final Counter encoded;

    public JpegEncoder(int quality) {
        this(quality, null);
    }

    public JpegEncoder(int quality, Counter encoded) {
        if (quality < 1 || quality > 100) {
            throw new IllegalArgumentException("JPEG quality must be 1-100, was " + quality);
        }
        this.params = new IntPointer(IMWRITE_JPEG_QUALITY, quality);
        this.encoded = encoded;
    }

    public byte[] encode(Exchange exchange) {
        return encode(exchange.getMessage().getBody(Mat.class));
    }

    public byte[] encode(Mat image) {
        try (BytePointer buffer = new BytePointer()) {
            if (!imencode(".jpg", image, buffer, params)) {
                throw new IllegalStateException("OpenCV could not encode the frame as JPEG");
            }
            byte[] jpeg = new byte[(int) buffer.limit()];
            buffer.get(jpeg);
            if (encoded != null) {
                encoded.increment();
            }
            return jpeg;
        }
    }
}
