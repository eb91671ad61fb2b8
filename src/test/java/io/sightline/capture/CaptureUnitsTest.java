package io.sightline.capture;

import io.sightline.detect.MotionDetector;
import io.sightline.wire.Detection;
import org.bytedeco.opencv.opencv_core.Mat;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.opencv.global.opencv_imgcodecs.IMREAD_COLOR;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imdecode;

class CaptureUnitsTest {

    @Test
    void markerSurvivesJpegCompression() {
        SyntheticSource source = new SyntheticSource(640, 480);
        source.open();
        JpegEncoder encoder = new JpegEncoder(50);
        for (int i = 0; i < 5; i++) {
            Mat frame = source.grab();
            try (Mat bytes = new Mat(encoder.encode(frame)); Mat decoded = imdecode(bytes, IMREAD_COLOR)) {
                assertThat(FrameMarker.read(decoded)).isEqualTo(i);
            }
        }
        source.close();
    }

    @Test
    void motionDetectorBoxesTheMovingObjectsOfTheSyntheticScene() {
        SyntheticSource source = new SyntheticSource(640, 480);
        source.open();
        MotionDetector detector = new MotionDetector(320, 0.002, 32);
        List<Detection> found = List.of();
        for (int i = 0; i < 30; i++) {
            found = detector.detect(source.grab());
        }
        source.close();
        assertThat(found).isNotEmpty().allSatisfy(d -> {
            assertThat(d.label()).isEqualTo("motion");
            assertThat(d.confidence()).isBetween(0.0, 1.0);
            assertThat(d.box()[0]).isBetween(0, d.box()[2]);
            assertThat(d.box()[1]).isBetween(0, d.box()[3]);
            assertThat(d.box()[2]).isLessThanOrEqualTo(640);
            assertThat(d.box()[3]).isLessThanOrEqualTo(480);
        });
    }

    @Test
    void segmentsAreCutByCaptureTimeAndTheLastFrameIsFlagged() {
        SegmentPlanner planner = new SegmentPlanner("s", 1000, 50);
        assertThat(planner.place(0, 10_000)).isEqualTo(new SegmentPlanner.Placement("s-00000", 0, false));
        assertThat(planner.place(1, 10_940)).isEqualTo(new SegmentPlanner.Placement("s-00000", 0, false));
        assertThat(planner.place(2, 10_950)).isEqualTo(new SegmentPlanner.Placement("s-00000", 0, true));
        assertThat(planner.place(3, 11_000)).isEqualTo(new SegmentPlanner.Placement("s-00001", 3, false));
        assertThat(planner.place(4, 11_500)).isEqualTo(new SegmentPlanner.Placement("s-00001", 3, false));
        assertThat(planner.place(5, 13_500)).isEqualTo(new SegmentPlanner.Placement("s-00003", 5, false));
    }
}
