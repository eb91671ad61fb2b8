package io.sightline.segment;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.index.RecordingIndex;
import io.sightline.wire.Ids;
import io.sightline.wire.InvalidInputException;
import io.sightline.wire.Json;
import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * {@code GET /api/v1/devices/{id}/thumbnail?t=}: the recorded frame nearest a time, small (160 pixels wide), for the
 * review timeline's hover. Found through the recording index, decoded from its segment, and kept in a small cache
 * (a pointer moving over the timeline asks for the same frames again).
 */
public class Thumbnails {

    private static final int WIDTH = 160;
    private static final int CACHED = 512;
    /** How far from a recorded frame a time may be and still be shown by it (ms). */
    private static final long NEAR = 30_000;

    private final RecordingIndex index;
    private final Map<String, byte[]> cache = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
            return size() > CACHED;
        }
    };

    public Thumbnails(RecordingIndex index) {
        this.index = index;
    }

    public byte[] thumbnail(@Header("id") String device, @Header("t") Long t, Exchange exchange) throws IOException, SQLException {
        Ids.require("device", device);
        if (t == null) {
            throw new InvalidInputException(400, "invalid-time", "t (ms since the epoch) is required");
        }
        RecordingIndex.Segment nearest = null;
        long distance = Long.MAX_VALUE;
        for (RecordingIndex.Segment s : index.overlapping(device, t - NEAR, t + NEAR)) {
            long d = t < s.start() ? s.start() - t : t > s.end() ? t - s.end() : 0;
            if (d < distance) {
                nearest = s;
                distance = d;
            }
        }
        if (nearest == null) {
            throw new InvalidInputException(404, "no-recording", "nothing recorded within 30 s of " + t);
        }
        JsonNode doc;
        try {
            doc = Json.MAPPER.readTree(nearest.sidecar().toFile());
        } catch (NoSuchFileException gone) {
            throw new InvalidInputException(404, "no-recording", "the segment was deleted meanwhile");
        }
        int frame = 0;
        long best = Long.MAX_VALUE;
        JsonNode frames = doc.path("frames");
        for (int i = 0; i < frames.size(); i++) {
            long d = Math.abs(frames.get(i).path("captureTime").asLong() - t);
            if (d < best) {
                best = d;
                frame = i;
            }
        }
        String key = device + "/" + nearest.day() + "/" + nearest.segment() + "/" + frame + "/" + doc.path("frameCount").asInt();
        byte[] jpeg;
        synchronized (cache) {
            jpeg = cache.get(key);
        }
        if (jpeg == null) {
            jpeg = decode(nearest.sidecar().resolveSibling(doc.path("video").asText()), frame);
            synchronized (cache) {
                cache.put(key, jpeg);
            }
        }
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "image/jpeg");
        exchange.getMessage().setHeader("Cache-Control", "private, max-age=3600"); // an operator's, never a shared cache's
        return jpeg;
    }

    private static byte[] decode(java.nio.file.Path video, int frame) throws IOException {
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(video.toFile());
             OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat()) {
            grabber.start();
            Frame image = null;
            for (int i = 0; i <= frame; i++) {
                image = grabber.grabImage();
                if (image == null) {
                    throw new IOException(video + " has fewer frames than its sidecar");
                }
            }
            Mat full = converter.convert(image);
            int height = Math.max(1, full.rows() * WIDTH / Math.max(1, full.cols()));
            try (Mat small = new Mat(); BytePointer out = new BytePointer();
                 IntPointer quality = new IntPointer(IMWRITE_JPEG_QUALITY, 75)) {
                resize(full, small, new Size(WIDTH, height), 0, 0, INTER_AREA);
                imencode(".jpg", small, out, quality);
                byte[] bytes = new byte[(int) out.limit()];
                out.get(bytes);
                return bytes;
            }
        }
    }
}
