package io.sightline.detect;

import io.sightline.wire.Detection;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;
import org.bytedeco.opencv.opencv_dnn.Net;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.bytedeco.opencv.global.opencv_core.BORDER_CONSTANT;
import static org.bytedeco.opencv.global.opencv_core.copyMakeBorder;
import static org.bytedeco.opencv.global.opencv_dnn.blobFromImage;
import static org.bytedeco.opencv.global.opencv_dnn.readNetFromONNX;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_LINEAR;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * {@code sightline.detector=onnx}: a YOLOv8-format ONNX model given by the user, run with OpenCV DNN. The frame
 * is letterboxed to the model's square input (aspect kept, grey padding), the output
 * {@code [1, 4 + classes, candidates]} (or its transpose) is decoded to boxes (centre, size) with the best class
 * score as confidence, candidates under the confidence threshold are dropped, and non-maximum suppression keeps
 * the best of overlapping boxes of one class. Class names come from a text file, one per line.
 */
public class OnnxDetector implements Detector {

    /** How a frame was fitted into the model input: input = frame × scale + padding. */
    public record Letterbox(double scale, double padX, double padY) {

        static Letterbox of(int width, int height, int inputSize) {
            double scale = Math.min((double) inputSize / width, (double) inputSize / height);
            int newWidth = (int) Math.round(width * scale);
            int newHeight = (int) Math.round(height * scale);
            return new Letterbox(scale, (inputSize - newWidth) / 2, (inputSize - newHeight) / 2);
        }
    }

    /** Decoding thresholds: minimum class score, IoU above which a box is suppressed, boxes kept. */
    public record Thresholds(double confidence, double iou, int maxDetections) {
    }

    private final Net net;
    private final List<String> names;
    private final int inputSize;
    private final Thresholds thresholds;
    private final Mat resized = new Mat();
    private final Mat padded = new Mat();

    public OnnxDetector(Path model, Path namesFile, int inputSize, Thresholds thresholds) {
        if (!Files.isRegularFile(model)) {
            throw new IllegalArgumentException("sightline.detector.onnx.model: no file " + model);
        }
        this.net = readNetFromONNX(model.toString());
        if (net.empty()) {
            throw new IllegalArgumentException("OpenCV cannot load the ONNX model " + model);
        }
        try {
            this.names = namesFile == null ? List.of() : Files.readAllLines(namesFile).stream().map(String::trim)
                    .filter(n -> !n.isEmpty()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the class names " + namesFile, e);
        }
        this.inputSize = inputSize;
        this.thresholds = thresholds;
    }

    @Override
    public synchronized List<Detection> detect(Mat image) {
        Letterbox box = Letterbox.of(image.cols(), image.rows(), inputSize);
        int width = (int) Math.round(image.cols() * box.scale());
        int height = (int) Math.round(image.rows() * box.scale());
        resize(image, resized, new Size(width, height), 0, 0, INTER_LINEAR);
        int left = (int) box.padX();
        int top = (int) box.padY();
        copyMakeBorder(resized, padded, top, inputSize - height - top, left, inputSize - width - left, BORDER_CONSTANT,
                new Scalar(114, 114, 114, 0));
        try (Mat blob = blobFromImage(padded, 1 / 255.0, new Size(inputSize, inputSize), new Scalar(0.0), true, false, 5)) {
            net.setInput(blob);
            try (Mat out = net.forward()) {
                int a = out.size(1);
                int b = out.size(2);
                float[] values = new float[a * b];
                new FloatPointer(out.data()).capacity(values.length).get(values);
                // YOLOv8 exports [1, 4 + classes, candidates]; some tools transpose it: candidates outnumber attributes
                boolean transposed = a > b;
                return decode(values, transposed ? b : a, transposed ? a : b, transposed, box, names, thresholds,
                        image.cols(), image.rows());
            }
        }
    }

    /**
     * Decodes a YOLOv8 output tensor into detections in frame pixels.
     *
     * @param attributes 4 box values (centre x, centre y, width, height in model input pixels) + one score per class
     * @param transposed values are {@code [candidate][attribute]} instead of {@code [attribute][candidate]}
     */
    public static List<Detection> decode(float[] values, int attributes, int candidates, boolean transposed,
                                         Letterbox box, List<String> names, Thresholds t, int width, int height) {
        List<Candidate> kept = new ArrayList<>();
        for (int i = 0; i < candidates; i++) {
            int best = -1;
            double score = 0;
            for (int c = 4; c < attributes; c++) {
                double s = value(values, c, i, attributes, candidates, transposed);
                if (s > score) {
                    score = s;
                    best = c - 4;
                }
            }
            if (best < 0 || score < t.confidence()) {
                continue;
            }
            double cx = value(values, 0, i, attributes, candidates, transposed);
            double cy = value(values, 1, i, attributes, candidates, transposed);
            double w = value(values, 2, i, attributes, candidates, transposed);
            double h = value(values, 3, i, attributes, candidates, transposed);
            double x1 = clamp((cx - w / 2 - box.padX()) / box.scale(), width);
            double y1 = clamp((cy - h / 2 - box.padY()) / box.scale(), height);
            double x2 = clamp((cx + w / 2 - box.padX()) / box.scale(), width);
            double y2 = clamp((cy + h / 2 - box.padY()) / box.scale(), height);
            if (x2 > x1 && y2 > y1) {
                kept.add(new Candidate(best, score, x1, y1, x2, y2));
            }
        }
        List<Detection> found = new ArrayList<>();
        for (Candidate c : suppress(kept, t.iou())) {
            if (found.size() == t.maxDetections()) {
                break;
            }
            String label = c.cls() < names.size() ? names.get(c.cls()) : "class" + c.cls();
            found.add(new Detection(label, Math.round(c.score() * 1000) / 1000.0, new int[] {
                    (int) Math.floor(c.x1()), (int) Math.floor(c.y1()), (int) Math.ceil(c.x2()), (int) Math.ceil(c.y2())}));
        }
        return found;
    }

    private record Candidate(int cls, double score, double x1, double y1, double x2, double y2) {

        double area() {
            return (x2 - x1) * (y2 - y1);
        }

        double iou(Candidate o) {
            double w = Math.min(x2, o.x2) - Math.max(x1, o.x1);
            double h = Math.min(y2, o.y2) - Math.max(y1, o.y1);
            double inter = w > 0 && h > 0 ? w * h : 0;
            return inter / (area() + o.area() - inter);
        }
    }

    /** Greedy non-maximum suppression per class: the most confident box wins over boxes overlapping it by more than iou. */
    private static List<Candidate> suppress(List<Candidate> candidates, double iou) {
        List<Candidate> sorted = new ArrayList<>(candidates);
        sorted.sort(Comparator.comparingDouble(Candidate::score).reversed());
        List<Candidate> kept = new ArrayList<>();
        for (Candidate c : sorted) {
            if (kept.stream().noneMatch(k -> k.cls() == c.cls() && k.iou(c) > iou)) {
                kept.add(c);
            }
        }
        return kept;
    }

    private static double value(float[] values, int attribute, int candidate, int attributes, int candidates,
                                boolean transposed) {
        return transposed ? values[candidate * attributes + attribute] : values[attribute * candidates + candidate];
    }

    private static double clamp(double v, int max) {
        return Math.max(0, Math.min(max, v));
    }
}
