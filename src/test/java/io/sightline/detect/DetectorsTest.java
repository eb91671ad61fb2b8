package io.sightline.detect;

import io.sightline.wire.Detection;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.GaussianBlur;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;
import static org.bytedeco.opencv.global.opencv_imgproc.circle;
import static org.bytedeco.opencv.global.opencv_imgproc.ellipse;
import static org.bytedeco.opencv.global.opencv_imgproc.line;

class DetectorsTest {

    @TempDir
    Path dir;

    private static final OnnxDetector.Thresholds THRESHOLDS = new OnnxDetector.Thresholds(0.25, 0.45, 10);

    /** Five candidates of a 2-class model, as [attribute][candidate]: cx, cy, w, h, score of class 0, of class 1. */
    private static final float[][] CANDIDATES = {
            {320, 240, 100, 200, 0.90f, 0.05f},  // A: class 0, best
            {322, 242, 100, 200, 0.80f, 0.10f},  // B: class 0, overlaps A almost fully: suppressed
            {321, 241, 100, 200, 0.05f, 0.70f},  // C: overlaps A but class 1: kept
            {100, 400, 40, 40, 0.10f, 0.20f},    // D: best score 0.2 under the threshold: dropped
            {600, 100, 80, 60, 0.00f, 0.50f},    // E: class 1 alone, partly outside the frame: clamped
    };

    @Test
    void yoloOutputIsDecodedThresholdedAndSuppressedPerClassInBothLayouts() {
        int attributes = 6;
        int candidates = CANDIDATES.length;
        float[] byAttribute = new float[attributes * candidates];
        float[] byCandidate = new float[attributes * candidates];
        for (int i = 0; i < candidates; i++) {
            for (int a = 0; a < attributes; a++) {
                byAttribute[a * candidates + i] = CANDIDATES[i][a];
                byCandidate[i * attributes + a] = CANDIDATES[i][a];
            }
        }
        // a 640×480 frame in a 640 input: scale 1, 80 pixels of padding above and below
        OnnxDetector.Letterbox box = new OnnxDetector.Letterbox(1.0, 0, 80);
        List<String> names = List.of("person", "drone");
        List<Detection> found = OnnxDetector.decode(byAttribute, attributes, candidates, false, box, names, THRESHOLDS, 640, 480);
        assertThat(found).containsExactly(
                new Detection("person", 0.9, new int[] {270, 60, 370, 260}),
                new Detection("drone", 0.7, new int[] {271, 61, 371, 261}),
                new Detection("drone", 0.5, new int[] {560, 0, 640, 50}));
        assertThat(OnnxDetector.decode(byCandidate, attributes, candidates, true, box, names, THRESHOLDS, 640, 480))
                .isEqualTo(found);
        // without names the class number is the label; maxDetections keeps the most confident
        assertThat(OnnxDetector.decode(byAttribute, attributes, candidates, false, box, List.of(),
                new OnnxDetector.Thresholds(0.25, 0.45, 1), 640, 480))
                .containsExactly(new Detection("class0", 0.9, new int[] {270, 60, 370, 260}));
    }

    @Test
    void thePersonDetectorFindsADrawnFigureAndNothingInAnEmptyFrame() {
        Mat scene = new Mat(480, 640, CV_8UC3, new Scalar(200, 200, 200, 0));
        Scalar dark = new Scalar(40, 40, 40, 0);
        circle(scene, new Point(320, 130), 22, dark, -1, LINE_AA, 0);                                   // head
        ellipse(scene, new Point(320, 210), new Size(32, 60), 0, 0, 360, dark, -1, LINE_AA, 0);         // body
        line(scene, new Point(308, 260), new Point(295, 360), dark, 16, LINE_AA, 0);                    // legs
        line(scene, new Point(332, 260), new Point(345, 360), dark, 16, LINE_AA, 0);
        line(scene, new Point(292, 170), new Point(275, 250), dark, 11, LINE_AA, 0);                    // arms
        line(scene, new Point(348, 170), new Point(365, 250), dark, 11, LINE_AA, 0);
        PersonDetector detector = new PersonDetector(100, 10);
        List<Detection> found = detector.detect(scene);
        assertThat(found).hasSize(1);
        assertThat(found.get(0).label()).isEqualTo("person");
        assertThat(found.get(0).confidence()).isBetween(0.5, 1.0);
        assertThat(contains(found.get(0), 320, 130) && contains(found.get(0), 320, 340)).as("%s", found).isTrue();
        assertThat(detector.detect(new Mat(480, 640, CV_8UC3, new Scalar(200, 200, 200, 0)))).isEmpty();
    }

    @Test
    void theCascadeDetectorFindsADrawnFaceWithTheConfiguredLabel() {
        Mat scene = new Mat(480, 640, CV_8UC3, new Scalar(120, 120, 120, 0));
        Scalar dark = new Scalar(30, 30, 30, 0);
        ellipse(scene, new Point(320, 240), new Size(90, 120), 0, 0, 360, new Scalar(150, 180, 220, 0), -1, LINE_AA, 0);
        ellipse(scene, new Point(285, 210), new Size(18, 9), 0, 0, 360, dark, -1, LINE_AA, 0);          // eyes
        ellipse(scene, new Point(355, 210), new Size(18, 9), 0, 0, 360, dark, -1, LINE_AA, 0);
        line(scene, new Point(265, 188), new Point(305, 185), dark, 6, LINE_AA, 0);                     // brows
        line(scene, new Point(335, 185), new Point(375, 188), dark, 6, LINE_AA, 0);
        line(scene, new Point(320, 225), new Point(312, 262), new Scalar(110, 140, 180, 0), 5, LINE_AA, 0); // nose
        ellipse(scene, new Point(320, 295), new Size(35, 10), 0, 0, 360, new Scalar(60, 60, 120, 0), -1, LINE_AA, 0);
        GaussianBlur(scene, scene, new Size(5, 5), 0);
        List<Detection> found = new CascadeDetector("", "visitor", 320, 3, 10).detect(scene);
        assertThat(found).hasSize(1);
        assertThat(found.get(0).label()).isEqualTo("visitor");
        assertThat(contains(found.get(0), 285, 210) && contains(found.get(0), 355, 295)).as("%s", found).isTrue();
        assertThat(new CascadeDetector("", "face", 320, 3, 10).detect(new Mat(480, 640, CV_8UC3, new Scalar(120, 120, 120, 0))))
                .isEmpty();
        assertThatThrownBy(() -> new CascadeDetector(dir.resolve("none.xml").toString(), "x", 320, 3, 10))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static boolean contains(Detection d, int x, int y) {
        return d.box()[0] <= x && x <= d.box()[2] && d.box()[1] <= y && y <= d.box()[3];
    }

    @Test
    void letterboxKeepsTheAspectAndCentresTheFrame() {
        assertThat(OnnxDetector.Letterbox.of(640, 480, 640)).isEqualTo(new OnnxDetector.Letterbox(1.0, 0, 80));
        assertThat(OnnxDetector.Letterbox.of(1280, 720, 640)).isEqualTo(new OnnxDetector.Letterbox(0.5, 0, 140));
        assertThat(OnnxDetector.Letterbox.of(480, 640, 320)).isEqualTo(new OnnxDetector.Letterbox(0.5, 40, 0));
    }

    @Test
    void anOnnxModelFileIsLoadedAndRunThroughOpenCvDnn() throws Exception {
        // every candidate of this model is the box centred at (16, 16), 8×8 in its 32×32 input, class 0 at 0.9
        Path model = TinyOnnx.write(dir.resolve("tiny.onnx"), 32, new float[] {16, 16, 8, 8, 0.9f, 0.1f});
        Path names = Files.writeString(dir.resolve("names.txt"), "drone\nbird\n");
        OnnxDetector detector = new OnnxDetector(model, names, 32, THRESHOLDS);
        Mat frame = new Mat(64, 64, CV_8UC3, new Scalar(30, 60, 90, 0));
        // 1024 identical candidates, one after suppression; a 64×64 frame is input × 2
        assertThat(detector.detect(frame)).containsExactly(new Detection("drone", 0.9, new int[] {24, 24, 40, 40}));

        assertThatThrownBy(() -> new OnnxDetector(dir.resolve("missing.onnx"), null, 32, THRESHOLDS))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing.onnx");
    }
}
