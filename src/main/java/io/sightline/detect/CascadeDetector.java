package io.sightline.detect;

import io.sightline.wire.Detection;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.RectVector;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_objdetect.CascadeClassifier;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

import static org.bytedeco.opencv.global.opencv_imgproc.equalizeHist;

/**
 * {@code sightline.detector=cascade}: a Haar or LBP cascade (OpenCV's {@code CascadeClassifier}), by default
 * the frontal face cascade that ships inside the OpenCV jar; any cascade XML file can be given, with the label
 * its detections get. Confidence grows with the number of neighbouring hits that confirm a box.
 */
public class CascadeDetector implements Detector {

    /** The cascade used when none is configured, a resource of the OpenCV jar. */
    public static final String DEFAULT_CASCADE = "haarcascades/haarcascade_frontalface_default.xml";

    private final CascadeClassifier cascade;
    private final String label;
    private final int workWidth;
    private final int minNeighbors;
    private final int maxDetections;
    private final Mat small = new Mat();
    private final Mat gray = new Mat();

    /** @param cascadeFile a cascade XML file, or empty for {@link #DEFAULT_CASCADE} */
    public CascadeDetector(String cascadeFile, String label, int workWidth, int minNeighbors, int maxDetections) {
        String path = cascadeFile.isEmpty() ? bundled(DEFAULT_CASCADE) : cascadeFile;
        this.cascade = new CascadeClassifier(path);
        if (cascade.empty()) {
            throw new IllegalArgumentException("cannot load the cascade " + path);
        }
        this.label = label;
        this.workWidth = workWidth;
        this.minNeighbors = minNeighbors;
        this.maxDetections = maxDetections;
    }

    private static String bundled(String resource) {
        try {
            File file = Loader.cacheResource(Loader.class, "/org/bytedeco/opencv/" + Loader.getPlatform() + "/share/opencv4/" + resource);
            if (file == null) {
                throw new IllegalArgumentException("the OpenCV jar of this platform has no " + resource);
            }
            return file.getAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack " + resource + " from the OpenCV jar", e);
        }
    }

    @Override
    public synchronized List<Detection> detect(Mat image) {
        double scale = WorkImage.grayAt(image, workWidth, small, gray);
        equalizeHist(gray, gray);
        List<Detection> found = new ArrayList<>();
        try (RectVector boxes = new RectVector(); IntPointer neighbours = new IntPointer()) {
            cascade.detectMultiScale2(gray, boxes, neighbours, 1.1, minNeighbors, 0, new Size(24, 24), new Size());
            for (long i = 0; i < boxes.size(); i++) {
                Rect r = boxes.get(i);
                int hits = neighbours.limit() > i ? neighbours.get(i) : minNeighbors;
                double confidence = Math.min(1.0, (double) hits / (4.0 * Math.max(1, minNeighbors)));
                found.add(new Detection(label, Math.round(confidence * 1000) / 1000.0,
                        WorkImage.frameBox(r.x(), r.y(), r.width(), r.height(), scale, image)));
            }
        }
        return Detector.largest(found, maxDetections);
    }
}
