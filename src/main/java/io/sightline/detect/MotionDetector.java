package io.sightline.detect;

import io.sightline.wire.Detection;
import org.bytedeco.opencv.global.opencv_video;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_video.BackgroundSubtractorMOG2;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.bytedeco.opencv.global.opencv_core.countNonZero;
import static org.bytedeco.opencv.global.opencv_imgproc.CHAIN_APPROX_SIMPLE;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.MORPH_RECT;
import static org.bytedeco.opencv.global.opencv_imgproc.RETR_EXTERNAL;
import static org.bytedeco.opencv.global.opencv_imgproc.THRESH_BINARY;
import static org.bytedeco.opencv.global.opencv_imgproc.boundingRect;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.dilate;
import static org.bytedeco.opencv.global.opencv_imgproc.findContours;
import static org.bytedeco.opencv.global.opencv_imgproc.getStructuringElement;
import static org.bytedeco.opencv.global.opencv_imgproc.morphologyEx;
import static org.bytedeco.opencv.global.opencv_imgproc.MORPH_OPEN;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;
import static org.bytedeco.opencv.global.opencv_imgproc.threshold;

/**
 * Moving regions by background subtraction (OpenCV MOG2) on a downscaled grey image, grouped into boxes by
 * contours. Confidence is the share of moving pixels inside the box. Stateful: one instance per stream.
 */
public class MotionDetector implements Detector {

    public static final String LABEL = "motion";
    static final int WARM_UP_FRAMES = 5;

    private final int workWidth;
    private final double minAreaFraction;
    private final int maxDetections;
    private final BackgroundSubtractorMOG2 subtractor;
    private final Mat small = new Mat();
    private final Mat gray = new Mat();
    private final Mat mask = new Mat();
    private final Mat kernel = getStructuringElement(MORPH_RECT, new Size(3, 3));
    /** Frames seen: the first few have no background to compare with, everything in them would be "motion". */
    private long frames;

    public MotionDetector(int workWidth, double minAreaFraction, int maxDetections) {
        this.workWidth = workWidth;
        this.minAreaFraction = minAreaFraction;
        this.maxDetections = maxDetections;
        this.subtractor = opencv_video.createBackgroundSubtractorMOG2(200, 16, false);
    }

    @Override
    public synchronized List<Detection> detect(Mat image) {
        double scale = Math.min(1.0, (double) workWidth / image.cols());
        if (scale < 1.0) {
            resize(image, small, new Size((int) Math.round(image.cols() * scale), (int) Math.round(image.rows() * scale)),
                    0, 0, INTER_AREA);
        } else {
            image.copyTo(small);
        }
        if (small.channels() > 1) {
            cvtColor(small, gray, COLOR_BGR2GRAY);
        } else {
            small.copyTo(gray);
        }
        subtractor.apply(gray, mask);
        if (frames++ < WARM_UP_FRAMES) {
            return List.of();
        }
        threshold(mask, mask, 127, 255, THRESH_BINARY);
        morphologyEx(mask, mask, MORPH_OPEN, kernel);
        dilate(mask, mask, kernel);

        List<Detection> found = new ArrayList<>();
        double minArea = minAreaFraction * mask.cols() * mask.rows();
        try (MatVector contours = new MatVector(); Mat hierarchy = new Mat()) {
            findContours(mask, contours, hierarchy, RETR_EXTERNAL, CHAIN_APPROX_SIMPLE);
            for (long i = 0; i < contours.size(); i++) {
                try (Rect r = boundingRect(contours.get(i))) {
                    double area = (double) r.width() * r.height();
                    if (area < minArea) {
                        continue;
                    }
                    double moving;
                    try (Mat roi = new Mat(mask, r)) {
                        moving = countNonZero(roi) / area;
                    }
                    int[] box = {
                            clamp((int) Math.floor(r.x() / scale), image.cols()),
                            clamp((int) Math.floor(r.y() / scale), image.rows()),
                            clamp((int) Math.ceil((r.x() + r.width()) / scale), image.cols()),
                            clamp((int) Math.ceil((r.y() + r.height()) / scale), image.rows())};
                    found.add(new Detection(LABEL, Math.round(moving * 1000) / 1000.0, box));
                }
            }
        }
        found.sort(Comparator.comparingDouble(Detection::area).reversed());
        return found.size() > maxDetections ? List.copyOf(found.subList(0, maxDetections)) : found;
    }

    private static int clamp(int v, int max) {
        return Math.max(0, Math.min(max, v));
    }
}
