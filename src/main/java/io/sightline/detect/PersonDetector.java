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

/**
 * {@code sightline.detector=person}: OpenCV's HOG + linear SVM people detector (upright people at least 64×128
 * pixels at the work width). Confidence is the SVM score squashed into [0, 1): 0.5 at the detector's own threshold
 * plus one margin. CPU heavy: tens of ms per frame at 400 px; lower the work width or the frame rate on a Pi.
 */
public class PersonDetector implements Detector {

    public static final String LABEL = "person";

    private final int workWidth;
    private final int maxDetections;
    private final HOGDescriptor hog = new HOGDescriptor();
    private final Mat small = new Mat();
    private final Mat gray = new Mat();

    public PersonDetector(int workWidth, int maxDetections) {
        this.workWidth = workWidth;
        this.maxDetections = maxDetections;
        hog.setSVMDetector(new Mat(HOGDescriptor.getDefaultPeopleDetector()));
    }

    @Override
    public synchronized List<Detection> detect(Mat image) {
        double scale = WorkImage.grayAt(image, workWidth, small, gray);
        List<Detection> found = new ArrayList<>();
        try (RectVector boxes = new RectVector(); DoublePointer weights = new DoublePointer()) {
            hog.detectMultiScale(gray, boxes, weights, 0, new Size(8, 8), new Size(0, 0), 1.05, 2.0, false);
            for (long i = 0; i < boxes.size(); i++) {
                Rect r = boxes.get(i);
                double score = weights.limit() > i ? weights.get(i) : 1.0;
                found.add(new Detection(LABEL, Math.round(1000 * score / (1 + score)) / 1000.0,
                        WorkImage.frameBox(r.x(), r.y(), r.width(), r.height(), scale, image)));
            }
        }
        return Detector.largest(found, maxDetections);
    }
}
