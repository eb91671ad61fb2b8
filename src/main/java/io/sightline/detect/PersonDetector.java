package io.sightline.detect;

import io.sightline.wire.Detection;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.RectVector;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_objdetect.HOGDescriptor;

import java.util.ArrayList;
import java.util.List;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;

/**
 * {@code sightline.detector=person}: OpenCV's HOG + linear SVM people detector. Its window is 64×128 pixels
 * with the person filling about 100 of the 128, so the frame is scaled for the smallest person wanted
 * ({@code min-height} pixels tall in the frame: enlarged when that is under 100, which costs time as the square
 * of the scale), and each box is cut to the person inside the window. Confidence is the SVM score squashed into
 * [0, 1): 0.5 at the detector's own threshold plus one margin. CPU heavy: tens to hundreds of ms per frame; it
 * runs beside capture, so a slow run lowers how often frames are looked at, not the frame rate.
 */
public class PersonDetector implements Detector {

    public static final String LABEL = "person";
    /** Height of a person in the detector's 128-pixel window. */
    private static final double PERSON_IN_WINDOW = 100;
    /** ... and about 60 % of its width. */
    private static final double PERSON_WIDTH_IN_WINDOW = 0.6;
    /** Each pyramid level is this much smaller than the previous (1.1 is faster and finds fewer people). */
    private static final double SCALE_STEP = 1.05;
    /** A person is reported where at least this many overlapping windows agree (fewer false boxes than 2). */
    private static final double GROUP = 3;

    private final double scale;
    private final int maxDetections;
    private final HOGDescriptor hog = new HOGDescriptor();
    private final Mat scaled = new Mat();
    private final Mat gray = new Mat();

    /** @param minHeight the smallest person to find, in pixels of the frame */
    public PersonDetector(int minHeight, int maxDetections) {
        this.scale = PERSON_IN_WINDOW / Math.max(16, minHeight);
        this.maxDetections = maxDetections;
        hog.setSVMDetector(new Mat(HOGDescriptor.getDefaultPeopleDetector()));
    }

    @Override
    public synchronized List<Detection> detect(Mat image) {
        WorkImage.grayScaled(image, scale, scaled, gray, INTER_LINEAR);
        List<Detection> found = new ArrayList<>();
        try (RectVector boxes = new RectVector(); DoublePointer weights = new DoublePointer()) {
            hog.detectMultiScale(gray, boxes, weights, 0, new Size(8, 8), new Size(0, 0), SCALE_STEP, GROUP, false);
            for (long i = 0; i < boxes.size(); i++) {
                Rect r = boxes.get(i);
                double score = weights.limit() > i ? weights.get(i) : 1.0;
                // the window holds margins around the person: keep the middle of it
                double w = r.width() * PERSON_WIDTH_IN_WINDOW;
                double h = r.height() * PERSON_IN_WINDOW / 128;
                double x = r.x() + (r.width() - w) / 2;
                double y = r.y() + (r.height() - h) / 2;
                found.add(new Detection(LABEL, Math.round(1000 * score / (1 + score)) / 1000.0,
                        WorkImage.frameBox(x, y, w, h, scale, image)));
            }
        }
        return Detector.largest(found, maxDetections);
    }
}
