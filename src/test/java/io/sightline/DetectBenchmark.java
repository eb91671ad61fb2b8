package io.sightline;

import io.sightline.capture.JpegEncoder;
import io.sightline.detect.DetectorFigures;
import org.bytedeco.ffmpeg.global.avutil;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * {@code bin/bench detect}: what detection costs and how well it does. The cost of each detector per frame of
 * real footage (Debian's vtest.avi at 640x480 and 1280x720) next to the JPEG encode of the same frames (the
 * sender's own per-frame work, the reference of this run); recall and precision on the hand-labelled frames;
 * a sender's frame rate and CPU with each detector beside capture and, for comparison, with every frame
 * waiting for its detections (as before); and a sender's resident memory and start time, default and with
 * the edge profile. Prints one table and writes target/bench-detect.txt.
 */
public final class DetectBenchmark {

    /** Seconds each sender case is measured for, after a warm-up of the same length. */
    private static final int SECONDS = Integer.getInteger("bench.seconds", 20);

    private final BenchReport report = new BenchReport();
    private final Path work;

    private DetectBenchmark(Path work) {
        this.work = work;
    }

    public static void main(String[] args) throws Exception {
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        DetectBenchmark bench = new DetectBenchmark(Files.createTempDirectory("sightline-bench-detect"));
        String machine = Runtime.getRuntime().availableProcessors() + " cores, "
                + new String(Files.readAllBytes(Path.of("/proc/cpuinfo"))).lines().filter(l -> l.startsWith("model name"))
                .findFirst().map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse("?");
        bench.add("# bin/bench detect on " + machine + ", " + java.time.LocalDate.now());
        String cases = System.getProperty("bench.cases", "costs,quality,senders,footprint");
        if (cases.contains("costs")) {
            bench.costs();
        }
        if (cases.contains("quality")) {
            bench.quality();
        }
        for (String detector : cases.contains("senders") ? List.of("none", "motion", "cascade", "person") : List.<String>of()) {
            bench.sender(detector, 20);
            if (!detector.equals("none")) {
                bench.sender(detector, 60_000);
            }
        }
        if (!cases.contains("footprint")) {
            bench.report.finish("bench-detect.txt", bench.work);
        }
        bench.footprint("default (Hawtio on)", List.of(), Map.of());
        bench.footprint("Hawtio off", List.of(), Map.of("sightline.hawtio.enabled", "false"));
        Path archive = bench.work.resolve("edge.jsa");
        // from the packaged jar, as on a device: a class-data archive cannot hold classes from directories
        List<String> edge = new ArrayList<>(List.of("-cp", "target/sightline.jar"));
        edge.addAll(edgeJvmOptions());
        edge.add("-XX:ArchiveClassesAtExit=" + archive);   // as bin/sightline's first run: the archive is written at stop
        bench.footprint(null, edge, Map.of("sightline.profile", "edge"));
        edge.set(edge.size() - 1, "-XX:SharedArchiveFile=" + archive);
        bench.footprint("edge profile (bin/sightline: its JVM options + class-data archive)", edge,
                Map.of("sightline.profile", "edge"));
        bench.report.finish("bench-detect.txt", bench.work);
    }

    private void add(String line) {
        report.line(line);
    }

    /** Per frame of real footage: each detector's CPU next to the JPEG encode of the same frames. */
    private void costs() throws Exception {
        add("");
        add("| detector | frame | CPU ms/frame | wall ms/frame | x JPEG q80 encode |");
        add("|---|---|---|---|---|");
        for (int[] size : new int[][] {{640, 480}, {1280, 720}}) {
            List<org.bytedeco.opencv.opencv_core.Mat> frames = DetectorFigures.footageFrames(size[0], size[1], 200);
            JpegEncoder jpeg = new JpegEncoder(80);
            double[] reference = DetectorFigures.cost(image -> jpeg.encode(image), frames, 200);
            add(row("JPEG q80 encode (reference)", size, reference, reference[0]));
            for (String detector : List.of("motion", "cascade", "person", "person-100")) {
                double[] cost = DetectorFigures.cost(DetectorFigures.detector(detector)::detect, frames,
                        detector.startsWith("person") ? 20 : detector.equals("cascade") ? 60 : 1000);
                add(row(detector, size, cost, reference[0]));
            }
            // one core: OpenCV's own worker threads off
            int threads = org.bytedeco.opencv.global.opencv_core.getNumThreads();
            org.bytedeco.opencv.global.opencv_core.setNumThreads(1);
            double[] oneCore = DetectorFigures.cost(DetectorFigures.detector("motion")::detect, frames, 1000);
            org.bytedeco.opencv.global.opencv_core.setNumThreads(threads);
            add(row("motion, OpenCV on one thread", size, oneCore, reference[0]));
        }
    }

    private static String row(String name, int[] size, double[] cost, double reference) {
        return String.format(Locale.ROOT, "| %s | %dx%d | %.2f | %.2f | %.2f |", name, size[0], size[1], cost[0], cost[1],
                cost[0] / reference);
    }

    /** Recall and precision against the hand-labelled frames and the synthetic scene. */
    private void quality() throws Exception {
        add("");
        add("| detector | footage | recall | precision | false boxes/frame |");
        add("|---|---|---|---|---|");
        for (String line : DetectorFigures.quality()) {
            add(line);
        }
    }

    /**
     * A sender (synthetic scene, 640x480, 20 fps) with its receiver: capture frames/s, sender CPU per frame and
     * detector runs per second, with a frame waiting at most {@code waitMillis} for its detections.
     */
    private void sender(String detector, long waitMillis) throws Exception {
        Path dir = Files.createTempDirectory(work, "sender");
        Map<String, String> receiver = Harness.receiver(dir.resolve("data"));
        receiver.put("sightline.alerts.labels", "none-in-benchmark");
        receiver.put("sightline.hawtio.enabled", "false");
        Map<String, String> sender = Harness.sender(receiver, "bench-cam", "synthetic");
        sender.put("sightline.detector", detector);
        sender.put("sightline.detector.wait-ms", String.valueOf(waitMillis));
        try (SightlineProcess rx = new SightlineProcess(receiver, dir.resolve("receiver.log"));
             SightlineProcess tx = new SightlineProcess(sender, dir.resolve("sender.log"))) {
            await().atMost(Duration.ofMinutes(1)).until(() -> metric(sender, "sightline_frames_captured_total") > 20);
            TimeUnit.SECONDS.sleep(SECONDS); // warm-up: the benchmark's window, not a test wait
            double f0 = metric(sender, "sightline_frames_captured_total");
            double r0 = metric(sender, "sightline_detector_time_seconds_count");
            double s0 = metric(sender, "sightline_detector_time_seconds_sum");
            long c0 = tx.cpuMillis();
            long t0 = System.nanoTime();
            TimeUnit.SECONDS.sleep(SECONDS);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double frames = metric(sender, "sightline_frames_captured_total") - f0;
            double runs = metric(sender, "sightline_detector_time_seconds_count") - r0;
            double detectSeconds = metric(sender, "sightline_detector_time_seconds_sum") - s0;
            if (!report.has("| sender")) {
                add("");
                add("| sender, synthetic 640x480 at 20 fps | frame waits for detections | capture fps | sender CPU ms/frame"
                        + " | detector runs/s | ms per run |");
                add("|---|---|---|---|---|---|");
            }
            add(String.format(Locale.ROOT, "| sender %s | %s | %.1f | %.2f | %.1f | %.1f |", detector,
                    waitMillis >= 60_000 ? "always (inline, as before)" : "at most " + waitMillis + " ms",
                    frames / seconds, (tx.cpuMillis() - c0) / Math.max(1, frames), runs / seconds,
                    runs == 0 ? 0 : 1000 * detectSeconds / runs));
        }
    }

    /** The edge profile's JVM options, as bin/sightline reads them from application.properties. */
    private static List<String> edgeJvmOptions() throws Exception {
        java.util.Properties p = new java.util.Properties();
        try (var in = Files.newBufferedReader(Path.of("application.properties"))) {
            p.load(in);
        }
        return List.of(p.getProperty("sightline.profile.edge.jvm-options").trim().split("\\s+"));
    }

    /**
     * A lone sender (its receiver running already): from the JVM's launch to its first captured frame, and its
     * resident memory after 30 s; three runs, median and range. {@code name} null: a run that only prepares
     * (writes the class-data archive), not reported.
     */
    private void footprint(String name, List<String> jvm, Map<String, String> settings) throws Exception {
        Path dir = Files.createTempDirectory(work, "footprint");
        Map<String, String> receiver = Harness.receiver(dir.resolve("data"));
        receiver.put("sightline.hawtio.enabled", "false");
        List<Double> starts = new ArrayList<>();
        List<Double> resident = new ArrayList<>();
        double fps = 0;
        try (SightlineProcess rx = new SightlineProcess(receiver, dir.resolve("receiver.log"))) {
            for (int run = 0; run < (name == null ? 1 : 3); run++) {
                Map<String, String> sender = Harness.sender(receiver, "small-cam-" + run, "synthetic");
                sender.putAll(settings);
                Path log = dir.resolve("sender-" + run + ".log");
                java.time.LocalTime launched = java.time.LocalTime.now();
                try (SightlineProcess tx = new SightlineProcess(sender, log, jvm)) {
                    await().atMost(Duration.ofMinutes(1)).until(() -> metric(sender, "sightline_frames_captured_total") >= 1);
                    starts.add(Duration.between(launched, firstCapture(log)).toMillis() / 1000.0);
                    TimeUnit.SECONDS.sleep(30); // resident memory of a sender that has run a while
                    fps = metric(sender, "sightline_capture_fps");
                    resident.add(tx.residentBytes() / 1e6);
                }
            }
        }
        if (name == null) {
            return;
        }
        if (!report.has("| footprint")) {
            add("");
            add("| footprint: a sender (synthetic 640x480 at 20 fps, motion), 3 runs | launch to first capture, s"
                    + " (median, range) | RSS after 30 s, MB | capture fps |");
            add("|---|---|---|---|");
        }
        add(String.format(Locale.ROOT, "| footprint %s | %s | %s | %.1f |", name, spread(starts, "%.2f"),
                spread(resident, "%.0f"), fps));
    }

    /** When the sender's log says the source opened: its first frame follows on the same tick. */
    private static java.time.LocalTime firstCapture(Path log) throws java.io.IOException {
        String line = Files.readAllLines(log).stream().filter(l -> l.contains("CaptureProcessor - Opened source"))
                .findFirst().orElseThrow();
        return java.time.LocalTime.parse(line.substring(0, 12));
    }

    private static String spread(List<Double> values, String format) {
        List<Double> sorted = values.stream().sorted().toList();
        return String.format(Locale.ROOT, format + " (" + format + "-" + format + ")", sorted.get(sorted.size() / 2),
                sorted.get(0), sorted.get(sorted.size() - 1));
    }

    private static double metric(Map<String, String> settings, String name) throws Exception {
        return MonitoringTest.value(MonitoringTest.scrape(settings), name);
    }
}
