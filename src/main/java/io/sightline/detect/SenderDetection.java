package io.sightline.detect;

import io.sightline.wire.Detection;
import io.sightline.wire.FrameMeta;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;

import java.util.List;

/**
 * Sender step of {@code capture}: the frame's metadata with what the detector found, the detector running on
 * its own thread ({@link DetectionRunner}), on the whole frame or on a region of interest. Without a detector
 * ({@code sightline.detector=none}) the frame goes on as it is: no copy of its image, no hand-off to a thread.
 */
public class SenderDetection {

    private final DetectionRunner runner;
    private final int[] region;
    /** The copy a run looks at: the capture's image is reused for the next frame. */
    private final Mat work = new Mat();

    /**
     * @param runner null: no detector
     * @param region {@code [x1, y1, x2, y2]} in frame pixels, or null for the whole frame
     */
    public SenderDetection(DetectionRunner runner, int[] region) {
        this.runner = runner;
        this.region = region == null ? null : region.clone();
    }

    /** Parses {@code x1,y1,x2,y2} (pixels of the captured frame); empty: the whole frame. */
    public static int[] region(String setting, int width, int height) {
        if (setting.isBlank()) {
            return null;
        }
        String[] parts = setting.split(",");
        int[] r = new int[parts.length];
        try {
            for (int i = 0; i < parts.length; i++) {
                r[i] = Integer.parseInt(parts[i].trim());
            }
        } catch (NumberFormatException e) {
            r = new int[0];
        }
        if (r.length != 4 || r[0] < 0 || r[1] < 0 || r[2] > width || r[3] > height || r[0] >= r[2] || r[1] >= r[3]) {
            throw new IllegalArgumentException("sightline.detector.region must be x1,y1,x2,y2 inside the " + width + "x"
                    + height + " frame with x1 < x2 and y1 < y2, was '" + setting + "'");
        }
        return r;
    }

    public FrameMeta annotate(@Body Mat image, @ExchangeProperty("frame") FrameMeta meta) {
        if (runner == null) {
            return meta;
        }
        List<Detection> found = runner.detections(meta.stream(), meta.frame(), image.cols(), image.rows(), () -> {
            if (region == null) {
                image.copyTo(work);
                return detector -> detector.detect(work);
            }
            try (Rect r = new Rect(region[0], region[1], region[2] - region[0], region[3] - region[1]);
                 Mat inside = new Mat(image, r)) {
                inside.copyTo(work);
            }
            return detector -> detector.detect(work).stream().map(d -> d.shifted(region[0], region[1])).toList();
        });
        return meta.withDetections(found);
    }
}
