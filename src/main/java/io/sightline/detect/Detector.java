package io.sightline.detect;

import io.micrometer.core.instrument.Timer;
import io.sightline.wire.Detection;
import org.bytedeco.opencv.opencv_core.Mat;

import java.util.List;
import java.util.concurrent.TimeUnit;

/** Finds objects in a frame. Implementations are chosen by {@code sightline.detector}. */
public interface Detector {

    List<Detection> detect(Mat image);

    /** At most {@code max} detections, the largest boxes first. */
    static List<Detection> largest(List<Detection> found, int max) {
        List<Detection> sorted = new java.util.ArrayList<>(found);
        sorted.sort(java.util.Comparator.comparingDouble(Detection::area).reversed());
        return List.copyOf(sorted.subList(0, Math.min(max, sorted.size())));
    }

    /** Measures another detector: {@code sightline_detector_time} per frame. */
    final class Timed implements Detector {
        private final Detector detector;
        private final Timer time;

        public Timed(Detector detector, Timer time) {
            this.detector = detector;
            this.time = time;
        }

        @Override
        public List<Detection> detect(Mat image) {
            long started = System.nanoTime();
            try {
                return detector.detect(image);
            } finally {
                time.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
            }
        }
    }
}
