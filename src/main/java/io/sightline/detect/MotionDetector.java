package io.sightline.detect;

import io.sightline.wire.Detection;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.MatVector;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

import java.util.ArrayList;
import java.util.List;

import static org.bytedeco.opencv.global.opencv_core.BORDER_CONSTANT;
import static org.bytedeco.opencv.global.opencv_core.CV_32F;
import static org.bytedeco.opencv.global.opencv_core.CV_8U;
import static org.bytedeco.opencv.global.opencv_core.absdiff;
import static org.bytedeco.opencv.global.opencv_core.bitwise_and;
import static org.bytedeco.opencv.global.opencv_core.countNonZero;
import static org.bytedeco.opencv.global.opencv_imgproc.CHAIN_APPROX_SIMPLE;
import static org.bytedeco.opencv.global.opencv_imgproc.MORPH_RECT;
import static org.bytedeco.opencv.global.opencv_imgproc.RETR_EXTERNAL;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.THRESH_BINARY;
import static org.bytedeco.opencv.global.opencv_imgproc.THRESH_BINARY_INV;
import static org.bytedeco.opencv.global.opencv_imgproc.accumulateWeighted;
import static org.bytedeco.opencv.global.opencv_imgproc.blur;
import static org.bytedeco.opencv.global.opencv_imgproc.boundingRect;
import static org.bytedeco.opencv.global.opencv_imgproc.dilate;
import static org.bytedeco.opencv.global.opencv_imgproc.findContours;
import static org.bytedeco.opencv.global.opencv_imgproc.getStructuringElement;
import static org.bytedeco.opencv.global.opencv_imgproc.morphologyDefaultBorderValue;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;
import static org.bytedeco.opencv.global.opencv_imgproc.threshold;

/**
 * Moving regions by differencing against a running-average background, on a small grey copy of the frame
 * (160 pixels wide by default: a fraction of a millisecond per frame), grouped into boxes by contours. A region
 * counts only where something changed since the previous frame too (so the place an object left, until the
 * background learns it, is no box), and only when it moved in two frames in a row (hysteresis: a one-frame
 * flicker or burst of noise is not an event). Pixels that keep moving (a clock overlay, leaves, water) are
 * ignored, and a change over most of the frame (lights switched, exposure jumped) resets the background instead
 * of boxing the whole picture. Confidence is the share of moving pixels in the box. One instance per stream.
 */
public class MotionDetector implements Detector {

    public static final String LABEL = "motion";
    /** How fast the background follows the scene: the weight of each new frame in it. */
    private static final double LEARNING_RATE = 0.08;
    /** A pixel moved when its grey level differs from the background by more than this. */
    private static final double DIFFERENCE = 22;
    /** ... and it changed since the previous frame when by more than this (a slow walker changes little per frame). */
    private static final double CHANGE = 10;
    /** Above this share of moving pixels the whole picture changed: a new background, no boxes. */
    private static final double SCENE_CHANGE = 0.5;
    /** How fast the record of where pixels keep moving follows the scene (about 1 / frames it remembers). */
    private static final double RESTLESS_RATE = 0.01;
    /** Pixels that moved in more than this share of recent frames (a clock overlay, leaves, water) are ignored. */
    private static final double RESTLESS = 0.3 * 255;

    private final int workWidth;
    private final double minAreaFraction;
    private final int maxDetections;
    private final Mat small = new Mat();
    private final Mat twice = new Mat();
    private final Mat gray = new Mat();
    private final Mat background = new Mat();
    private final Mat backgroundGray = new Mat();
    private final Mat mask = new Mat();
    private final Mat previousGray = new Mat();
    private final Mat changed = new Mat();
    private final Mat restless = new Mat();
    private final Mat restlessMask = new Mat();
    private final Mat calm = new Mat();
    private long framesSinceRestart;
    private final Mat kernel = getStructuringElement(MORPH_RECT, new Size(3, 3));
    private final Size blurSize = new Size(3, 3);
    private final Point anchor = new Point(-1, -1);
    /** Boxes (work pixels) that moved in the previous frame: a box must overlap one of them to be reported. */
    private List<int[]> previous = List.of();

    public MotionDetector(int workWidth, double minAreaFraction, int maxDetections) {
        this.workWidth = workWidth;
        this.minAreaFraction = minAreaFraction;
        this.maxDetections = maxDetections;
    }

    @Override
    public synchronized List<Detection> detect(Mat image) {
        // sampled to twice the work width (cheap on a large frame), then averaged down: little aliasing noise
        double scale = WorkImage.grayAt(image, 2 * workWidth, small, twice, INTER_LINEAR);
        if (twice.cols() > workWidth) {
            resize(twice, gray, new Size(twice.cols() / 2, twice.rows() / 2), 0, 0, INTER_AREA);
            scale *= (double) gray.cols() / twice.cols();
        } else {
            twice.copyTo(gray);
        }
        blur(gray, gray, blurSize);
        if (background.empty() || background.cols() != gray.cols() || background.rows() != gray.rows()) {
            restart();
            return List.of();
        }
        background.convertTo(backgroundGray, CV_8U);
        absdiff(gray, backgroundGray, mask);
        threshold(mask, mask, DIFFERENCE, 255, THRESH_BINARY);
        absdiff(gray, previousGray, changed);
        threshold(changed, changed, CHANGE, 255, THRESH_BINARY);
        gray.copyTo(previousGray);
        accumulateWeighted(gray, background, LEARNING_RATE);
        int moving = countNonZero(mask);
        if (moving > SCENE_CHANGE * mask.cols() * mask.rows()) {
            restart();
            return List.of();
        }
        // an average over the frames seen until there are 1 / rate of them: a clock is known to be restless at once
        accumulateWeighted(mask, restless, Math.max(RESTLESS_RATE, 1.0 / ++framesSinceRestart));
        threshold(restless, restlessMask, RESTLESS, 255, THRESH_BINARY_INV);
        restlessMask.convertTo(calm, CV_8U); // into a Mat of its own: converted in place it is made anew every frame
        bitwise_and(mask, calm, mask);
        bitwise_and(changed, calm, changed); // a restless pixel beside a still one does not make the still one "changed"
        dilate(mask, mask, kernel, anchor, 2, BORDER_CONSTANT, morphologyDefaultBorderValue());

        List<int[]> candidates = new ArrayList<>();
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
                    try (Mat now = new Mat(changed, r)) {
                        if (countNonZero(now) == 0) {
                            continue; // nothing changes there now: where an object was, the background not yet learnt
                        }
                    }
                    int[] box = {r.x(), r.y(), r.x() + r.width(), r.y() + r.height()};
                    candidates.add(box);
                    if (previous.stream().noneMatch(p -> overlap(p, box))) {
                        continue; // moved in this frame only, so far
                    }
                    double share;
                    try (Mat roi = new Mat(mask, r)) {
                        share = countNonZero(roi) / area;
                    }
                    found.add(new Detection(LABEL, Math.round(share * 1000) / 1000.0,
                            WorkImage.frameBox(r.x(), r.y(), r.width(), r.height(), scale, image)));
                }
            }
        }
        previous = candidates;
        return Detector.largest(found, maxDetections);
    }

    private void restart() {
        framesSinceRestart = 0;
        gray.convertTo(background, CV_32F);
        gray.copyTo(previousGray);
        if (restless.cols() != gray.cols() || restless.rows() != gray.rows()) {
            restless.create(gray.rows(), gray.cols(), CV_32F);
        }
        restless.put(new Scalar(0.0));
        previous = List.of();
    }

    private static boolean overlap(int[] a, int[] b) {
        return a[0] < b[2] && b[0] < a[2] && a[1] < b[3] && b[1] < a[3];
    }
}
