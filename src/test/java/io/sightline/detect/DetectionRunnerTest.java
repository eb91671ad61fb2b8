package io.sightline.detect;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sightline.monitor.RepeatedWarnings;
import io.sightline.wire.Detection;
import io.sightline.wire.FrameMeta;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

class DetectionRunnerTest {

    private final ExecutorService thread = Executors.newSingleThreadExecutor();
    private final Counter reused = new SimpleMeterRegistry().counter("reused");
    private final RepeatedWarnings warnings = new RepeatedWarnings(1000);

    /**
     * Reads the frame number a test frame carries in its pixels and reports one box there; each run waits for a
     * permit, so the test decides when a run may finish.
     */
    private static final class GatedDetector implements Detector {
        final Semaphore permits = new Semaphore(0);
        final List<Integer> looked = new CopyOnWriteArrayList<>();

        @Override
        public List<Detection> detect(Mat image) {
            int frame = image.ptr(0, 0).get() & 0xff;
            looked.add(frame);
            try {
                if (!permits.tryAcquire(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("no permit");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return List.of();
            }
            if (frame == 99) {
                throw new IllegalStateException("a detector that fails on frame 99");
            }
            return List.of(new Detection("thing", 0.9, new int[] {frame, 0, frame + 10, 10}));
        }
    }

    @AfterEach
    void stop() {
        thread.shutdownNow();
    }

    /** Returns once the runs started so far are over: they run on this single thread, in order. */
    private void finishRuns() throws Exception {
        thread.submit(() -> { }).get(10, TimeUnit.SECONDS);
    }

    private static Mat frameImage(int frame, int width, int height) {
        return new Mat(height, width, CV_8UC3, new Scalar(frame, frame, frame, 0));
    }

    private static FrameMeta meta(long frame) {
        return new FrameMeta("cam-1", "s1", frame, 1000 + frame, "s1-00000", 0, false, List.of());
    }

    @Test
    void aFastDetectorLabelsItsOwnFrameAndABusyOneLendsItsLastRunMarkedWithItsFrame() throws Exception {
        GatedDetector detector = new GatedDetector();
        SenderDetection detection = new SenderDetection(
                new DetectionRunner(detector, thread, 1, 2000, null, reused, warnings), null);

        detector.permits.release();                          // finishes within the wait: its own detections
        assertThat(detection.annotate(frameImage(1, 64, 48), meta(1)).detections())
                .containsExactly(new Detection("thing", 0.9, new int[] {1, 0, 11, 10}));

        SenderDetection impatient = new SenderDetection(
                new DetectionRunner(detector, thread, 1, 1, null, reused, warnings), null);
        assertThat(impatient.annotate(frameImage(2, 64, 48), meta(2)).detections()).isEmpty();  // a run starts on 2
        assertThat(impatient.annotate(frameImage(3, 64, 48), meta(3)).detections()).isEmpty();  // busy: not looked at
        detector.permits.release();
        finishRuns();
        // idle again: a run starts on 4 and is held; 4 goes with 2's detections, saying so
        assertThat(impatient.annotate(frameImage(4, 64, 48), meta(4)).detections())
                .containsExactly(new Detection("thing", 0.9, new int[] {2, 0, 12, 10}, 2L, null));
        assertThat(detector.looked).containsExactly(1, 2, 4);
        assertThat(reused.count()).isEqualTo(1.0);
        detector.permits.release();
    }

    @Test
    void everyNthFrameIsLookedAtOnlyInsideTheRegionAndBoxesComeBackInFramePixels() {
        GatedDetector detector = new GatedDetector();
        detector.permits.release(100);
        SenderDetection detection = new SenderDetection(new DetectionRunner(detector, thread, 3, 2000, null, reused,
                warnings), SenderDetection.region("20,10,60,40", 64, 48));
        Mat image = frameImage(0, 64, 48);
        for (int frame = 0; frame < 7; frame++) {
            image.put(new Scalar(frame, frame, frame, 0));
            List<Detection> found = detection.annotate(image, meta(frame)).detections();
            int run = frame / 3 * 3;
            // the region's 40×30 pixels are looked at; the box is moved back by its corner (20, 10)
            assertThat(found).containsExactly(new Detection("thing", 0.9, new int[] {run + 20, 10, run + 30, 20},
                    run == frame ? null : (long) run, null));
        }
        assertThat(detector.looked).containsExactly(0, 3, 6);
    }

    @Test
    void theReceiversDetectionsAreMarkedScaledAndLentOnlyToTheNextFramesOfTheirStream() throws Exception {
        GatedDetector detector = new GatedDetector();
        DetectionRunner runner = new DetectionRunner(detector, thread, 1, 1, Detection.RECEIVER, reused, warnings);
        Mat reduced = frameImage(5, 320, 240);
        assertThat(runner.detections("s1", 5, 320, 240, () -> d -> d.detect(reduced))).isEmpty();
        detector.permits.release();
        finishRuns();
        Mat full = frameImage(6, 640, 480);
        // found on the reduced copy of frame 5, travelling with the full-size frame 6: twice the size
        assertThat(runner.detections("s1", 6, 640, 480, () -> d -> d.detect(full)))
                .containsExactly(new Detection("thing", 0.9, new int[] {10, 0, 30, 20}, 5L, Detection.RECEIVER));
        // the run on 6 is held: what 5 found goes a few frames on, in its own stream, and no further
        assertThat(runner.detections("s1", 5 + 1 + DetectionRunner.MAX_LAG_FRAMES, 640, 480, () -> d -> List.of())).hasSize(1);
        assertThat(runner.detections("s1", 5 + 2 + DetectionRunner.MAX_LAG_FRAMES, 640, 480, () -> d -> List.of())).isEmpty();
        assertThat(runner.detections("s1", 4, 640, 480, () -> d -> List.of())).as("a frame from before").isEmpty();
        assertThat(runner.detections("s2", 7, 640, 480, () -> d -> List.of())).as("another stream").isEmpty();
        detector.permits.release();
    }

    @Test
    void aRunThatFailsLeavesNoDetectionsAndTheNextRunWorks() {
        GatedDetector detector = new GatedDetector();
        detector.permits.release(2);
        DetectionRunner runner = new DetectionRunner(detector, thread, 1, 5000, null, reused, warnings);
        assertThat(runner.detections("s1", 99, 160, 48, () -> d -> d.detect(frameImage(99, 160, 48)))).isEmpty();
        assertThat(runner.detections("s1", 100, 160, 48, () -> d -> d.detect(frameImage(100, 160, 48))))
                .containsExactly(new Detection("thing", 0.9, new int[] {100, 0, 110, 10}));
    }
}
