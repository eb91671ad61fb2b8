package io.sightline.detect;

import io.sightline.capture.SyntheticSource;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.opencv.global.opencv_imgproc.rectangle;

/**
 * The detectors on real footage, against people labelled by hand ({@link Footage}), and the motion detector on
 * the synthetic scene, whose objects' places are known. The figures are in docs/detection.md; these are floors a
 * change must not break.
 */
class FootageTest {

    private static Footage footage;

    @BeforeAll
    static void footage() throws Exception {
        assertThat(Footage.available()).as("%s (Debian's opencv-doc, installed by bin/setup --tests)", Footage.VIDEO).isTrue();
        footage = new Footage(640, 480);
    }

    @Test
    void thePersonDetectorFindsMostPeopleOfTheStreetSceneAtTheSendersFrameSize() throws Exception {
        Scoring score = footage.people(new PersonDetector(60, 32));
        assertThat(score.truths).isGreaterThan(80);
        assertThat(score.recall()).as("%s", score).isGreaterThanOrEqualTo(0.75);
        assertThat(score.precision()).as("%s", score).isGreaterThanOrEqualTo(0.85);
    }

    @Test
    void theMotionDetectorBoxesTheWalkersOfTheStreetSceneAndNothingElse() throws Exception {
        Scoring score = footage.motion(() -> new MotionDetector(160, 0.002, 32));
        assertThat(score.recall()).as("%s", score).isGreaterThanOrEqualTo(0.95);
        assertThat(score.falsePerFrame()).as("%s", score).isLessThanOrEqualTo(0.1);
    }

    @Test
    void theMotionDetectorBoxesTheMovingObjectsOfTheSyntheticSceneNotItsClockOrMarker() {
        for (int width : new int[] {640, 1280}) {
            int height = width * 3 / 4;
            SyntheticSource source = new SyntheticSource(width, height);
            source.open();
            MotionDetector detector = new MotionDetector(160, 0.002, 32);
            Scoring score = new Scoring();
            int strip = height - width / 26;   // the frame number's black/white cells along the bottom edge
            for (int frame = 0; frame < 400; frame++) {
                var found = detector.detect(source.grab());
                // the marker's cells flip as frames are numbered: no box on them (the console test reads them)
                assertThat(found).as("frame %d at %d", frame, width).noneMatch(d -> d.box()[3] > strip);
                if (frame >= 100) { // the clock overlay is learnt as restless by then
                    score.matchRegions(SyntheticSource.objects(frame, width, height),
                            SyntheticSource.objects(frame, width, height), found);
                }
            }
            source.close();
            assertThat(score.recall()).as("%d: %s", width, score).isGreaterThanOrEqualTo(0.97);
            assertThat(score.falsePerFrame()).as("%d: %s", width, score).isLessThanOrEqualTo(0.25);
        }
    }

    @Test
    void aFlickerOfOneFrameAndALightSwitchedOnAreNoMotion() {
        SyntheticSource source = new SyntheticSource(640, 480);
        source.open();
        MotionDetector detector = new MotionDetector(160, 0.002, 32);
        Mat still = source.grab().clone();
        for (int i = 0; i < 20; i++) {
            assertThat(detector.detect(still)).isEmpty();
        }
        Mat flash = still.clone();
        rectangle(flash, new Rect(200, 150, 120, 90),
                new Scalar(255, 255, 255, 0), -1, 8, 0);
        assertThat(detector.detect(flash)).as("one frame with a flash").isEmpty();
        assertThat(detector.detect(still)).as("and back").isEmpty();
        Mat brighter = new Mat();
        still.convertTo(brighter, -1, 1.0, 80);
        assertThat(detector.detect(brighter)).as("the whole picture brighter").isEmpty();
        assertThat(detector.detect(brighter)).as("and staying so").isEmpty();
        source.close();
    }
}
