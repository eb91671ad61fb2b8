package io.sightline.detect;

import io.sightline.capture.SyntheticSource;
import org.bytedeco.opencv.opencv_core.Mat;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;


/** The detectors' figures for {@code bin/bench detect}: cost per frame and quality on labelled footage. */
public final class DetectorFigures {

    private DetectorFigures() {
    }

    /** A detector as the sender makes it from its default settings ({@code person-100}: min-height 100). */
    public static Detector detector(String name) {
        return switch (name) {
            case "motion" -> new MotionDetector(160, 0.002, 32);
            case "cascade" -> new CascadeDetector("", "face", 320, 4, 32);
            case "person" -> new PersonDetector(60, 32);
            case "person-100" -> new PersonDetector(100, 32);
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** The first {@code count} frames of the labelled footage at {@code width}x{@code height}. */
    public static List<Mat> footageFrames(int width, int height, int count) throws Exception {
        List<Mat> frames = new ArrayList<>();
        new Footage(width, height).play(frame -> frame < count, (frame, image) -> frames.add(image.clone()));
        return frames;
    }

    /** {CPU ms, wall ms} per frame of {@code work} over {@code count} frames (the process's CPU: OpenCV's threads too), after a warm-up. */
    public static double[] cost(Consumer<Mat> work, List<Mat> frames, int count) {
        for (int i = 0; i < Math.min(count, 200); i++) { // the JIT's work is not the detector's
            work.accept(frames.get(i % frames.size()));
        }
        double cpu0 = cpuMillis();
        long t0 = System.nanoTime();
        for (int i = 0; i < count; i++) {
            work.accept(frames.get(i % frames.size()));
        }
        return new double[] {(cpuMillis() - cpu0) / count, (System.nanoTime() - t0) / 1e6 / count};
    }

    private static double cpuMillis() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1e6;
    }

    /** Table rows: recall, precision and false boxes per frame of each detector on the footage it is for. */
    public static List<String> quality() throws Exception {
        List<String> rows = new ArrayList<>();
        Footage footage = new Footage(640, 480);
        for (String name : List.of("person", "person-100")) {
            rows.add(row(name, "vtest.avi 640x480, 16 labelled frames, IoU 0.5", footage.people(detector(name))));
        }
        rows.add(row("motion", "vtest.avi 640x480, walkers of 16 labelled frames", footage.motion(() -> detector("motion"))));
        for (int width : new int[] {640, 1280}) {
            int height = width * 3 / 4;
            SyntheticSource source = new SyntheticSource(width, height);
            source.open();
            Detector motion = detector("motion");
            Scoring score = new Scoring();
            for (int frame = 0; frame < 600; frame++) {
                var found = motion.detect(source.grab());
                if (frame >= 100) {
                    score.matchRegions(SyntheticSource.objects(frame, width, height), SyntheticSource.objects(frame, width, height), found);
                }
            }
            source.close();
            rows.add(row("motion", "synthetic scene " + width + "x" + height + ", 500 frames", score));
        }
        return rows;
    }

    private static String row(String detector, String footage, Scoring s) {
        return String.format(Locale.ROOT, "| %s | %s | %.2f (%d/%d) | %.2f | %.2f |", detector, footage, s.recall(), s.found,
                s.truths, s.precision(), s.falsePerFrame());
    }
}
