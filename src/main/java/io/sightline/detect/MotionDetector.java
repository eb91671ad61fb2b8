package io.sightline.detect;

import io.sightline.wire.Detection;
import org.bytedeco.opencv.global.opencv_video;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_video.BackgroundSubtractorMOG2;

import java.util.ArrayList;
import java.util.List;

import static org.bytedeco.opencv.global.opencv_core.countNonZero;
import static org.bytedeco.opencv.global.opencv_imgproc.CHAIN_APPROX_SIMPLE;
import static org.bytedeco.opencv.global.opencv_imgproc.MORPH_RECT;
import static org.bytedeco.opencv.global.opencv_imgproc.RETR_EXTERNAL;
import static org.bytedeco.opencv.global.opencv_imgproc.THRESH_BINARY;
import static org.bytedeco.opencv.global.opencv_imgproc.boundingRect;
import static org.bytedeco.opencv.global.opencv_imgproc.dilate;
import static org.bytedeco.opencv.global.opencv_imgproc.findContours;
import static org.bytedeco.opencv.global.opencv_imgproc.getStructuringElement;
import static org.bytedeco.opencv.global.opencv_imgproc.morphologyEx;
import static org.bytedeco.opencv.global.opencv_imgproc.MORPH_OPEN;
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
        double scale = WorkImage.grayAt(image, workWidth, small, gray);
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
                    found.add(new Detection(LABEL, Math.round(moving * 1000) / 1000.0,
                            WorkImage.frameBox(r.x(), r.y(), r.width(), r.height(), scale, image)));
                }
            }
        }
        return Detector.largest(found, maxDetections);
    }
}
