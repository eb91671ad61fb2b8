package io.sightline.detect;

import io.sightline.wire.Detection;
import io.sightline.wire.FrameMeta;
import io.sightline.wire.JpegCheck;
import io.sightline.wire.Json;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.bytedeco.opencv.opencv_core.Mat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_IGNORE_ORIENTATION;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;

/**
 * Receiver step of {@code receiver-detection} ({@code sightline.receiver.detector}): the receiver's own detector
 * on the frames of chosen devices, one detector and {@link DetectionRunner} per device on a shared pool, the
 * JPEG decoded on the pool's thread. Its detections join the sender's in the frame's metadata, marked
 * {@code origin: receiver}, so the sidecar, the live overlay and the alert rules take them as they take the
 * sender's. A frame never waits longer than {@code sightline.detector.wait-ms} for them.
 */
public class ReceiverDetection {

    private static final int MAX_DEVICES = 4096;

    private final Predicate<String> chosen;
    private final Function<String, DetectionRunner> runners;
    private final Map<String, DetectionRunner> byDevice = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, DetectionRunner> eldest) {
            return size() > MAX_DEVICES;
        }
    };

    /**
     * @param chosen the devices whose frames are looked at
     * @param runners a new runner (with a detector of its own) for a device
     */
    public ReceiverDetection(Predicate<String> chosen, Function<String, DetectionRunner> runners) {
        this.chosen = chosen;
        this.runners = runners;
    }

    public FrameMeta annotate(@Body byte[] jpeg, @ExchangeProperty("frame") FrameMeta meta,
                              @ExchangeProperty("jpegSize") JpegCheck.Size size) {
        if (!chosen.test(meta.device())) {
            return meta;
        }
        DetectionRunner runner;
        synchronized (byDevice) {
            runner = byDevice.get(meta.device());
        }
        if (runner == null) {
            DetectionRunner made = runners.apply(meta.device()); // a model may take a while to load: not under the lock
            synchronized (byDevice) {
                runner = byDevice.computeIfAbsent(meta.device(), d -> made);
            }
        }
        // the pixels as sent (an EXIF orientation would turn them, and the boxes with them, off the frame's)
        List<Detection> found = runner.detections(meta.stream(), meta.frame(), size.width(), size.height(), () -> detector -> {
            try (Mat encoded = new Mat(jpeg); Mat image = imdecode(encoded, IMREAD_COLOR | IMREAD_IGNORE_ORIENTATION)) {
                return detector.detect(image);
            }
        });
        if (found.isEmpty()) {
            return meta;
        }
        List<Detection> all = new ArrayList<>(meta.detections());
        all.addAll(found.subList(0, Math.min(found.size(), Math.max(0, Json.MAX_DETECTIONS - all.size()))));
        return meta.withDetections(all);
    }
}
