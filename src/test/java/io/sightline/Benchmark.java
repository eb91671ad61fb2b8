package io.sightline;

import io.sightline.capture.JpegEncoder;
import io.sightline.capture.SyntheticSource;
import io.sightline.faults.ImpairmentProxy;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.awaitility.Awaitility.await;

/**
 * The benchmark ({@code bin/bench}): Sightline and its reference points measured in one run on this machine,
 * printed as one table and written to {@code target/benchmark.json} and {@code .csv}. Senders and receivers run
 * as processes of their own, so their CPU time (user + system, from the kernel) is theirs alone. Not a test: it
 * asserts nothing; the targets are in docs/performance.md.
 */
public final class Benchmark {

    /** Seconds each throughput case is measured for, once it is warm (see {@link #warmUp}). */
    private static final int MEASURE_SECONDS = Integer.getInteger("bench.seconds", 15);
    /** Longest warm-up; a case is warm earlier when two consecutive 5 s windows agree. */
    private static final int MAX_WARM_UP_SECONDS = Integer.getInteger("bench.max-warm-up-seconds", 90);
    private static final int WARM_UP_WINDOW_SECONDS = 5;
    private static final int VIDEO_FRAMES = 300;
    /** The second ffmpeg listener: the stream copied into a file, as Sightline's receiver stores it. */
    private static final String COPYING_LISTENER = "copying listener: ffmpeg -c:v copy into Matroska, ";
    /** Runs of the cases measured against ffmpeg and the raw encode ({@code -Dbench.repeats}). */
    private static final int REPEATS = Integer.getInteger("bench.repeats", 3);

    /** One line of the table; {@code run} is the repetition it belongs to (0: measured once). */
    private record Row(int run, String section, String workload, double fps, Double senderCpuMs, Double receiverCpuMs,
                       String notes) {
        Row(String section, String workload, double fps, Double senderCpuMs, Double receiverCpuMs, String notes) {
            this(currentRun, section, workload, fps, senderCpuMs, receiverCpuMs, notes);
        }
    }

    /** The repetition being measured, for the rows made now. */
    private static int currentRun;

    private final Path work;
    private final List<Row> rows = new ArrayList<>();

    private Benchmark(Path work) {
        this.work = work;
    }

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("sightline-bench");
        try {
            runAll(work);
        } finally {
            Harness.deleteTree(work); // the cases leave gigabytes of segments and frame logs
        }
        System.exit(0);
    }

    private static void runAll(Path work) throws Exception {
        avutil.av_log_set_level(avutil.AV_LOG_ERROR);
        Benchmark bench = new Benchmark(work);
        Path vga = bench.h264Video(640, 480);
        Path hd = Boolean.getBoolean("bench.vga-only") ? vga : bench.h264Video(1280, 720);
        List<Path> videos = vga == hd ? List.of(vga) : List.of(vga, hd);
        // the ratios to ffmpeg and to the raw encode, each run against its own references: these machines vary
        for (int run = 1; run <= REPEATS; run++) {
            currentRun = run;
            for (Path video : videos) {
                bench.run("raw encode", () -> bench.rawEncode(video));
                bench.run("ffmpeg", () -> bench.ffmpegMjpegOverHttp(video));
                bench.run("sender none", () -> bench.sender(video, "none", "stream"));
            }
            bench.run("receiver 1 copy", () -> bench.receiver(1, "copy", "stream"));
            bench.run("receiver 10 copy", () -> bench.receiver(10, "copy", "stream"));
        }
        currentRun = 0;
        bench.run("sender http", () -> bench.sender(vga, "none", "http"));
        bench.run("receiver 10 http", () -> bench.receiver(10, "copy", "http"));
        for (Path video : videos) {
            bench.run("sender motion", () -> bench.sender(video, "motion", "stream"));
        }
        bench.run("receiver 1 h264", () -> bench.receiver(1, "h264", "stream"));
        bench.run("receiver 10 h264", () -> bench.receiver(10, "h264", "stream"));
        bench.run("streaming 50", bench::fiftyStreamingSenders);
        bench.run("memory", bench::longSegmentMemory);
        bench.run("latency", bench::liveLatency);
        bench.run("impaired", bench::impairedLink);
        bench.run("thin link", () -> bench.thinLink(0));
        bench.run("thin link loss", () -> bench.thinLink(5));
        bench.report();
    }

    private interface Case {
        void run() throws Exception;
    }

    /** Runs one case (those named in -Dbench.cases, default all); a case that fails is reported, the others still run. */
    private void run(String name, Case c) {
        String only = System.getProperty("bench.cases", "");
        if (!only.isEmpty() && java.util.Arrays.stream(only.split(",")).noneMatch(name::startsWith)) {
            return;
        }
        int before = rows.size();
        try {
            c.run();
        } catch (Exception e) {
            rows.add(new Row("failed", name, 0, null, null, e.toString()));
        }
        rows.subList(before, rows.size()).forEach(r -> System.out.println("BENCH " + r));
    }

    // ---- reference points --------------------------------------------------------------------------------

    /** A video of the synthetic scene (marker strip included), H.264 in MP4 as a camera or recorder would write it. */
    private Path h264Video(int width, int height) throws Exception {
        Path file = work.resolve("scene-" + width + "x" + height + ".mp4");
        SyntheticSource scene = new SyntheticSource(width, height);
        scene.open();
        OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(file.toFile(), width, height, 0)) {
            recorder.setFormat("mp4");
            recorder.setVideoCodec(avcodec.AV_CODEC_ID_H264);
            recorder.setFrameRate(20);
            recorder.setVideoBitrate(width * height * 8);
            recorder.start();
            for (int i = 0; i < VIDEO_FRAMES; i++) {
                recorder.record(converter.convert(scene.grab()));
            }
            recorder.stop();
        } finally {
            scene.close();
        }
        return file;
    }

    /**
     * The physical limit of the sender's work: decode the video and encode each frame as JPEG q80, nothing else.
     * Its CPU is this process's, so it includes FFmpeg's decoder threads, as the sender's and ffmpeg's figures do.
     * Measured in whole passes over the file for at least {@link #MEASURE_SECONDS}, as long as the Sightline cases
     * (a pass of 300 frames lasts a third of a second: a reference that short swung 1.1-1.9 ms per frame between
     * runs), after passes for {@link #WARM_UP_WINDOW_SECONDS} that warm up the JIT and the native libraries.
     */
    private void rawEncode(Path video) throws Exception {
        com.sun.management.OperatingSystemMXBean process =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        JpegEncoder encoder = new JpegEncoder(80);
        OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
        long warmUntil = System.nanoTime() + TimeUnit.SECONDS.toNanos(WARM_UP_WINDOW_SECONDS);
        while (System.nanoTime() < warmUntil) {
            encodePass(video, encoder, converter);
        }
        long frames = 0;
        long bytes = 0;
        long cpuStart = process.getProcessCpuTime();
        long wallStart = System.nanoTime();
        long measureUntil = wallStart + TimeUnit.SECONDS.toNanos(MEASURE_SECONDS);
        while (System.nanoTime() < measureUntil) {
            long[] pass = encodePass(video, encoder, converter);
            frames += pass[0];
            bytes += pass[1];
        }
        double seconds = (System.nanoTime() - wallStart) / 1e9;
        double cpuMs = (process.getProcessCpuTime() - cpuStart) / 1e6;
        rows.add(new Row("reference", "raw decode + JPEG q80, one encoding thread, " + size(video), frames / seconds,
                cpuMs / frames, null, String.format(Locale.ROOT, "%.0f KB/frame", bytes / 1024.0 / frames)));
    }

    /** One pass over the file: frames decoded and encoded, and the JPEG bytes they made. */
    private static long[] encodePass(Path video, JpegEncoder encoder, OpenCVFrameConverter.ToMat converter)
            throws Exception {
        long frames = 0;
        long bytes = 0;
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(video.toFile())) {
            grabber.start();
            Frame frame;
            while ((frame = grabber.grabImage()) != null) {
                bytes += encoder.encode(converter.convert(frame)).length;
                frames++;
            }
            grabber.stop();
        }
        return new long[] {frames, bytes};
    }

    /**
     * ffmpeg streaming the same file as MJPEG over HTTP POST into an ffmpeg listener, as fast as it can: a short
     * run of three loops finds its rate, then the measured run loops the file for about {@link #MEASURE_SECONDS},
     * so ffmpeg's start and the listener's set-up are a small part of it. The listener writes to {@code -f null},
     * which decodes every JPEG; a second listener copies the stream into a Matroska file instead, as Sightline's
     * receiver does (without its syncs and checks), to show what the decoding costs.
     */
    private void ffmpegMjpegOverHttp(Path video) throws Exception {
        if (!onPath("ffmpeg")) {
            rows.add(new Row("reference", "ffmpeg MJPEG over HTTP, " + size(video), 0, null, null, "ffmpeg not installed"));
            return;
        }
        String decoding = "-f null -";
        double[] probe = ffmpegRun(video, 3, decoding);
        int loops = (int) Math.max(3, Math.ceil(probe[0] * MEASURE_SECONDS / VIDEO_FRAMES));
        double[] measured = ffmpegRun(video, loops, decoding);
        rows.add(new Row("reference", "ffmpeg MJPEG over HTTP POST → ffmpeg listener, " + size(video), measured[0],
                measured[1], measured[2], String.format(Locale.ROOT, "ffmpeg -q:v 4, %d loops (three loops: %.0f fps)",
                        loops, probe[0])));
        Path copy = Files.createTempFile(work, "listener", ".mkv");
        double[] copying;
        try {
            copying = ffmpegRun(video, loops, "-c:v copy -f matroska -y " + copy);
        } finally {
            Files.deleteIfExists(copy); // hundreds of MB
        }
        rows.add(new Row("reference", COPYING_LISTENER + size(video), copying[0], copying[1], copying[2],
                "-c:v copy, no decoding"));
    }

    /**
     * One ffmpeg sender and listener over {@code loops} passes of the file, the listener writing {@code output}:
     * frames/s, and each one's CPU per frame.
     */
    private static double[] ffmpegRun(Path video, int loops, String output) throws Exception {
        int port = Harness.freeTcpPort();
        Process listener = shell("ffmpeg -nostdin -loglevel error -f mjpeg -listen 1 -i http://127.0.0.1:" + port
                + "/ " + output + "; status=$?; times; exit $status");
        try {
            // the listener takes exactly one connection, so it is not probed: it gets a moment to open its port
            TimeUnit.MILLISECONDS.sleep(1500);
            long start = System.nanoTime();
            // -q:v 4 is ffmpeg's MJPEG scale for roughly the size of OpenCV's q80 (see the KB/frame column)
            String senderTimes = finish(shell("ffmpeg -nostdin -loglevel error -stream_loop " + (loops - 1) + " -i "
                    + video + " -f mjpeg -q:v 4 -method POST http://127.0.0.1:" + port + "/; status=$?; times; exit $status"),
                    "ffmpeg sender", 5);
            double seconds = (System.nanoTime() - start) / 1e9;
            String listenerTimes = finish(listener, "ffmpeg listener", 1);
            int frames = VIDEO_FRAMES * loops;
            return new double[] {frames / seconds, childCpuMillis(senderTimes) / frames, childCpuMillis(listenerTimes) / frames};
        } finally {
            kill(listener);
        }
    }

    /** The shell and the ffmpeg it started. */
    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
    }

    /** What {@code times} printed once the process ended with status 0 within {@code minutes}; else it is killed. */
    private static String finish(Process process, String what, int minutes) throws Exception {
        if (!process.waitFor(minutes, TimeUnit.MINUTES)) {
            kill(process);
            throw new IllegalStateException(what + " did not end within " + minutes + " min");
        }
        if (process.exitValue() != 0) {
            throw new IllegalStateException(what + " failed with status " + process.exitValue());
        }
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }

    // ---- Sightline ---------------------------------------------------------------------------------------

    /** A sender process posting the video as fast as the receiver takes it (capture waits instead of spooling). */
    private void sender(Path video, String detector, String transport) throws Exception {
        Path dir = Files.createTempDirectory(work, "sender");
        Map<String, String> receiver = receiverSettings(dir, "copy");
        Map<String, String> sender = Harness.sender(receiver, "bench-cam", video.toString());
        sender.put("sightline.detector", detector);
        sender.put("sightline.sender.transport", transport);
        sender.put("sightline.capture.fps", "10000"); // a tick every 100 µs: the file as fast as it goes
        sender.put("sightline.source.file-pace", "capture");
        sender.put("sightline.capture.width", size(video).split("x")[0]);
        sender.put("sightline.capture.height", size(video).split("x")[1]);
        sender.put("sightline.sender.block-when-busy", "true");
        // every frame once at full quality, as ffmpeg sends it: hundreds of frames/s are beyond what the live
        // lane's link estimate, probing up gently from 20 Mbit/s, allows, and it would send reduced copies and spool
        sender.put("sightline.live.policy", "full-only");
        sender.put("sightline.hawtio.enabled", "false");
        overridden(sender);
        try (SightlineProcess rx = new SightlineProcess(receiver, dir.resolve("receiver.log"));
             SightlineProcess tx = new SightlineProcess(sender, dir.resolve("sender.log"))) {
            Sample s = measure(rx, tx, () -> metric(sender, "sightline_frames_acknowledged_total"));
            Map<String, Double> counts = MonitoringTest.scrape(sender);
            rows.add(new Row("sender", "video " + size(video) + " → JPEG q80 → " + (transport.equals("stream") ? "stream"
                    : "POST") + ", detector " + detector, s.fps(),
                    s.senderCpuMs(), s.receiverCpuMs(), String.format(Locale.ROOT, "since start: %.0f captured, %.0f live "
                            + "reduced or skipped, %.0f spooled", MonitoringTest.value(counts, "sightline_frames_captured_total"),
                            MonitoringTest.value(counts, "sightline_live_skipped_total")
                                    + MonitoringTest.value(counts, "sightline_live_frames_total")
                                    - live(counts, "0"), MonitoringTest.value(counts, "sightline_spool_written_total"))));
        }
    }

    /** {@code clients} load generators posting pre-encoded 640×480 JPEGs with their metadata, each as its own device. */
    private void receiver(int clients, String codec, String transport) throws Exception {
        Path dir = Files.createTempDirectory(work, "receiver");
        Map<String, String> receiver = receiverSettings(dir, codec);
        List<byte[]> jpegs = Harness.syntheticJpegs(640, 480, 80, 100);
        try (SightlineProcess rx = new SightlineProcess(receiver, dir.resolve("receiver.log"));
             LoadGenerator load = transport.equals("stream") ? new StreamLoad(receiver, clients, jpegs, 200, 0)
                     : new PostLoad(receiver, clients, jpegs, 200)) {
            Sample s = measure(rx, null, () -> metric(receiver, "sightline_frames_received_total"));
            rows.add(new Row("receiver", clients + " sender" + (clients > 1 ? "s" : "") + ", 640x480 JPEGs, "
                    + (transport.equals("stream") ? "streamed" : "POSTed") + ", segments " + codec, s.fps(), null,
                    s.receiverCpuMs(), load.errors() > 0 ? load.errors() + " failed frames" : null));
        }
    }

    /**
     * 50 streaming senders (the sender's own stream client, one connection each) at 20 fps into one receiver:
     * aggregate frames/s, the receiver's CPU per frame and the time from handing a frame to the stream to its
     * acknowledgement.
     */
    private void fiftyStreamingSenders() throws Exception {
        Path dir = Files.createTempDirectory(work, "fifty");
        Map<String, String> receiver = receiverSettings(dir, "copy");
        List<byte[]> jpegs = Harness.syntheticJpegs(640, 480, 80, 100);
        try (SightlineProcess rx = new SightlineProcess(receiver, dir.resolve("receiver.log"));
             StreamLoad load = new StreamLoad(receiver, 50, jpegs, 200, 20)) {
            Counter frames = () -> metric(receiver, "sightline_frames_received_total");
            await().atMost(Duration.ofMinutes(1)).until(() -> frames.get() > 0);
            warmUp(rx, null, frames);
            load.latenciesMicros().clear(); // from here on: the latencies of the measuring window
            Sample s = window(rx, null, frames, MEASURE_SECONDS);
            List<Long> latencies;
            synchronized (load.latenciesMicros()) {
                latencies = new ArrayList<>(load.latenciesMicros());
            }
            latencies.sort(Long::compare);
            rows.add(new Row("receiver", "50 streaming senders at 20 fps, 640x480 JPEGs, segments copy", s.fps(), null,
                    s.receiverCpuMs(), String.format(Locale.ROOT, "acknowledged after p50 %.1f ms, p99 %.1f ms (%d frames)%s",
                    percentile(latencies, 0.5) / 1000.0, percentile(latencies, 0.99) / 1000.0, latencies.size(),
                    load.errors() > 0 ? "; " + load.errors() + " failed frames" : "")));
        }
    }

    /**
     * Memory of a receiver while one segment grows to 20,000 frames: its heap is fixed and touched at start
     * (256 MB), so resident memory grows only if something outside the heap does; the live objects (a class
     * histogram, taken after a full GC) show what the open segment holds.
     */
    private void longSegmentMemory() throws Exception {
        Path dir = Files.createTempDirectory(work, "memory");
        Map<String, String> receiver = receiverSettings(dir, "copy");
        receiver.put("sightline.segment.max-frames", "1000000");
        receiver.put("sightline.segment.idle-timeout-ms", "600000");
        receiver.put("java_tool_options", "-Xms256m -Xmx256m -XX:+AlwaysPreTouch"); // becomes JAVA_TOOL_OPTIONS
        List<byte[]> jpegs = Harness.syntheticJpegs(640, 480, 80, 100);
        int frames = 20_000;
        try (SightlineProcess rx = new SightlineProcess(receiver, dir.resolve("receiver.log"))) {
            long[] start;
            long[] end;
            try (LoadGenerator load = new StreamLoad(receiver, 4, jpegs, Integer.MAX_VALUE, 0)) {
                await().atMost(Duration.ofMinutes(2)).until(() -> metric(receiver, "sightline_frames_received_total") >= 1000);
                start = memory(rx, receiver);
                await().atMost(Duration.ofMinutes(10)).until(() -> metric(receiver, "sightline_frames_received_total") >= frames);
                end = memory(rx, receiver);
            }
            rows.add(new Row("receiver", "one segment growing from 1,000 to " + frames + " frames (copy)", 0, null, null,
                    String.format(Locale.ROOT, "RSS %.0f → %.0f MB, live objects %.1f → %.1f MB (%+.2f KB per frame)",
                            start[0] / 1e6, end[0] / 1e6, start[1] / 1e6, end[1] / 1e6,
                            (end[1] - start[1]) / 1024.0 / (end[2] - start[2]))));
        }
    }

    /** Resident bytes, bytes of live objects, and the frames received by then. */
    private static long[] memory(SightlineProcess rx, Map<String, String> receiver) throws Exception {
        long received = (long) metric(receiver, "sightline_frames_received_total");
        long heap = rx.liveHeapBytes();
        return new long[] {rx.residentBytes(), heap, received};
    }

    /** Capture → frame on the live endpoint, at 20 fps, from the capture time in each MJPEG part. */
    private void liveLatency() throws Exception {
        Path dir = Files.createTempDirectory(work, "latency");
        Map<String, String> receiver = receiverSettings(dir, "copy");
        Map<String, String> sender = Harness.sender(receiver, "live-cam", "synthetic");
        sender.put("sightline.hawtio.enabled", "false");
        List<Long> latencies = new ArrayList<>();
        try (SightlineProcess rx = new SightlineProcess(receiver, dir.resolve("receiver.log"));
             SightlineProcess tx = new SightlineProcess(sender, dir.resolve("sender.log"))) {
            await().atMost(Duration.ofSeconds(30)).until(() -> Harness.get(Harness.base(receiver)
                    + "/api/v1/devices/live-cam/latest.jpg").statusCode() == 200);
            HttpResponse<InputStream> live = Harness.HTTP.send(Harness.operator(Harness.base(receiver)
                    + "/api/v1/devices/live-cam/live.mjpeg").GET().build(), HttpResponse.BodyHandlers.ofInputStream());
            try (InputStream in = live.body()) {
                LiveParts parts = new LiveParts(in);
                for (int i = 0; i < 420; i++) {
                    LiveParts.Part part = parts.next();
                    if (i >= 20) { // the first second warms up
                        latencies.add(part.receivedAt() - part.captureTime());
                    }
                }
            }
        }
        latencies.sort(Long::compare);
        rows.add(new Row("latency", "capture → live.mjpeg part received, 20 fps, 640x480, motion", 20, null, null,
                String.format(Locale.ROOT, "p50 %d ms, p99 %d ms (%d frames)", percentile(latencies, 0.5),
                        percentile(latencies, 0.99), latencies.size())));
    }

    /** 200 frames at 20 fps through 5 % loss and 100 ± 20 ms each way: time from the first capture until all are stored. */
    private void impairedLink() throws Exception {
        Path dir = Files.createTempDirectory(work, "impaired");
        Map<String, String> receiver = receiverSettings(dir, "copy");
        Path video = Harness.markedVideo(dir, 200, 640, 480, 20);
        try (SightlineProcess rx = new SightlineProcess(receiver, dir.resolve("receiver.log"));
             ImpairmentProxy link = new ImpairmentProxy(Integer.parseInt(receiver.get("sightline.receiver.http-port")),
                     Integer.parseInt(receiver.get("sightline.receiver.udp-port")))) {
            link.loss(5).delay(100, 20);
            Map<String, String> sender = Harness.sender(receiver, "far-cam", video.toString());
            sender.put("sightline.receiver.http-port", String.valueOf(link.tcpPort()));
            sender.put("sightline.receiver.udp-port", String.valueOf(link.udpPort()));
            sender.put("sightline.source.loop", "false");
            sender.put("sightline.hawtio.enabled", "false");
            overridden(sender);
            try (SightlineProcess tx = new SightlineProcess(sender, dir.resolve("sender.log"))) {
                await().atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofMillis(20))
                        .until(() -> metric(receiver, "sightline_frames_received_total") >= 200);
                long allStored = System.currentTimeMillis();
                Path data = dir.resolve("data");
                await().atMost(Duration.ofMinutes(1)).until(() -> Segments.framesWritten(data, "far-cam") >= 200);
                long firstCapture = Segments.sidecars(data, "far-cam").stream()
                        .mapToLong(p -> Segments.read(p).get("firstCaptureTime").asLong()).min().orElseThrow();
                long lastCapture = Segments.sidecars(data, "far-cam").stream()
                        .mapToLong(p -> Segments.read(p).get("lastCaptureTime").asLong()).max().orElseThrow();
                rows.add(new Row("impaired link", "200 frames at 20 fps, 5 % loss, 100 ± 20 ms each way", 0, null, null,
                        String.format(Locale.ROOT, "all 200 stored %.1f s after the first capture, %.2f s after the last",
                                (allStored - firstCapture) / 1000.0, (allStored - lastCapture) / 1000.0)));
            }
        }
    }

    /**
     * The thin-link profile of issue 14 ({@link ThinLinkRun}: 640x480 at 20 fps, 100 ms round trip, tc tbf):
     * 8 Mbit/s for 20 s, 1 for 60 s, 2 for 30 s, 8 until the archive has drained; with {@code lossPercent} dropped
     * both ways by nftables. One row per phase, and target/thin-link[-loss].png (live age, rung, link).
     */
    private void thinLink(double lossPercent) throws Exception {
        String unavailable = io.sightline.faults.VethNamespace.unavailable();
        String name = lossPercent > 0 ? String.format(Locale.ROOT, "thin link, %.0f %% loss", lossPercent) : "thin link";
        if (unavailable != null) {
            rows.add(new Row(name, "skipped", 0, null, null, unavailable));
            return;
        }
        ThinLinkRun run = ThinLinkRun.run(Files.createTempDirectory(work, "thin"), 240 + (int) lossPercent,
                List.of(new ThinLinkRun.Phase(8, 20), new ThinLinkRun.Phase(1, 60), new ThinLinkRun.Phase(2, 30),
                        new ThinLinkRun.Phase(8, 20)), lossPercent, Duration.ofMinutes(10));
        for (int i = 0; i < run.profile.size(); i++) {
            ThinLinkRun.PhaseFigures f = run.figures(i);
            String back = i == run.profile.size() - 1
                    ? String.format(Locale.ROOT, "; full quality %.1f s after the rate returned, archive drained %.1f s after",
                    run.fullQualityAfter(i, 640, 480) / 1000.0, (run.drainedAt - run.span(i)[0]) / 1000.0) : "";
            rows.add(new Row(name, String.format(Locale.ROOT, "phase %d: %.0f Mbit/s for %s", i, f.phase().mbit(),
                    i == run.profile.size() - 1 ? "the drain" : f.phase().seconds() + " s"), f.liveFps(), null, null,
                    String.format(Locale.ROOT, "from 3 s in: live age p50 %d, p95 %d, p99 %d ms; smallest %dx%d;"
                                    + " acknowledged %.2f Mbit/s = %.0f %% of the bottleneck (%.0f %% on the wire, detection datagrams %.0f %%); estimate within 20 %% after %.1f s,"
                                    + " highest %.2fx the link%s",
                            f.liveAgeP50(), f.liveAgeP95(), f.liveAgeP99(), f.smallestWidth(), f.smallestHeight(),
                            f.acknowledgedMbit(), 100 * f.shareOfBottleneck(), 100 * f.wireShareOfBottleneck(),
                            100 * f.datagramMbit() / f.phase().mbit(), f.adaptMillis() / 1000.0, f.estimateHigh(), back)));
        }
        long reduced = Segments.sidecars(run.data, ThinLinkRun.DEVICE).stream()
                .mapToLong(p -> java.util.stream.StreamSupport.stream(Segments.read(p).get("frames").spliterator(), false)
                        .filter(fr -> !"full".equals(fr.get("quality").asText())).count()).sum();
        rows.add(new Row(name, "end", 0, null, null, String.format(Locale.ROOT,
                "%d frames captured, %d in segments, %d not at full quality, %.0f spool drops, %.0f segments upgraded",
                run.captured, Segments.framesWritten(run.data, ThinLinkRun.DEVICE), reduced, run.spoolDropped,
                run.segmentsUpgraded)));
        Files.createDirectories(Path.of("target"));
        run.plot(Path.of("target", lossPercent > 0 ? "thin-link-loss.png" : "thin-link.png"), name
                + ": 640x480 at 20 fps, 100 ms round trip, tc tbf 8 -> 1 -> 2 -> 8 Mbit/s");
    }

    // ---- measuring -------------------------------------------------------------------------------------------

    private record Sample(double fps, Double senderCpuMs, Double receiverCpuMs) {
        /** Both processes' CPU per frame. */
        double cpuMs() {
            return receiverCpuMs + (senderCpuMs == null ? 0 : senderCpuMs);
        }
    }

    /** Frames counted by {@code frames} and CPU of both processes over the measuring window, once warm. */
    private Sample measure(SightlineProcess rx, SightlineProcess tx, Counter frames) throws Exception {
        await().atMost(Duration.ofMinutes(1)).until(() -> frames.get() > 0);
        warmUp(rx, tx, frames);
        return window(rx, tx, frames, MEASURE_SECONDS);
    }

    /**
     * Runs until the JIT compilers are done with the hot path: on these 2 cores C2 keeps compiling Camel, Vert.x
     * and Sightline code for 30-40 s, and that CPU (up to a fifth of a core) is not what a frame costs in a
     * receiver that runs for days. Warm when two consecutive 5 s windows agree within 5 % on frames/s and CPU
     * per frame (at least 30 s, at most {@link #MAX_WARM_UP_SECONDS}).
     */
    private void warmUp(SightlineProcess rx, SightlineProcess tx, Counter frames) throws Exception {
        Sample previous = window(rx, tx, frames, WARM_UP_WINDOW_SECONDS);
        for (int elapsed = WARM_UP_WINDOW_SECONDS; elapsed < MAX_WARM_UP_SECONDS; elapsed += WARM_UP_WINDOW_SECONDS) {
            Sample next = window(rx, tx, frames, WARM_UP_WINDOW_SECONDS);
            if (elapsed >= 25 && close(previous.fps(), next.fps()) && close(previous.cpuMs(), next.cpuMs())) {
                System.out.printf(Locale.ROOT, "BENCH warm after %d s%n", elapsed + WARM_UP_WINDOW_SECONDS);
                return;
            }
            previous = next;
        }
        System.out.printf(Locale.ROOT, "BENCH not steady after %d s, measuring anyway%n", MAX_WARM_UP_SECONDS);
    }

    private static boolean close(double a, double b) {
        return Math.abs(a - b) <= 0.05 * Math.max(a, b);
    }

    private Sample window(SightlineProcess rx, SightlineProcess tx, Counter frames, int seconds) throws Exception {
        double f0 = frames.get();
        long rx0 = rx.cpuMillis();
        long tx0 = tx == null ? 0 : tx.cpuMillis();
        long t0 = System.nanoTime();
        TimeUnit.SECONDS.sleep(seconds); // the benchmark's measuring window, not a test wait
        double f1 = frames.get();
        long rx1 = rx.cpuMillis();
        long tx1 = tx == null ? 0 : tx.cpuMillis();
        double elapsed = (System.nanoTime() - t0) / 1e9;
        double n = Math.max(1, f1 - f0);
        return new Sample(n / elapsed, tx == null ? null : (tx1 - tx0) / n, (rx1 - rx0) / n);
    }

    @FunctionalInterface
    private interface Counter {
        double get() throws Exception;
    }

    /** Frames sent live at {@code rung}. */
    private static double live(Map<String, Double> counts, String rung) {
        return counts.entrySet().stream().filter(e -> e.getKey().startsWith("sightline_live_frames_total{")
                && e.getKey().contains("rung=\"" + rung + "\"")).mapToDouble(Map.Entry::getValue).sum();
    }

    private static double metric(Map<String, String> settings, String name) throws Exception {
        return MonitoringTest.value(MonitoringTest.scrape(settings), name);
    }

    private static Map<String, String> receiverSettings(Path dir, String codec) throws IOException {
        Map<String, String> receiver = Harness.receiver(dir.resolve("data"));
        receiver.put("sightline.segment.codec", codec);
        receiver.put("sightline.alerts.labels", "none-in-benchmark");
        return overridden(receiver);
    }

    /** {@code settings} with what {@code -Dbench.set.<key>=<value>} gives, for trying a setting in every case. */
    private static Map<String, String> overridden(Map<String, String> settings) {
        System.getProperties().stringPropertyNames().stream().filter(name -> name.startsWith("bench.set."))
                .forEach(name -> settings.put(name.substring("bench.set.".length()), System.getProperty(name)));
        return settings;
    }

    /** Clients sending JPEGs with valid metadata, each as its own device. */
    private interface LoadGenerator extends AutoCloseable {
        long errors();
    }

    /** Frame {@code frame} of a client's device, 20 fps apart on the capture clock, in segments of {@code perSegment}. */
    private static Map<String, String> loadHeaders(String device, long frame, int perSegment, long start) {
        long segment = frame / perSegment;
        Map<String, String> headers = Harness.frameHeaders(device, "s1", frame, start + frame * 50, "s1-" + segment,
                (frame + 1) % perSegment == 0);
        headers.put("Sightline-Segment-First", String.valueOf(segment * perSegment));
        return headers;
    }

    /** Posts JPEGs as fast as the receiver answers, one device and connection per client, one POST at a time. */
    private static final class PostLoad implements LoadGenerator {
        private final ExecutorService pool;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong errors = new AtomicLong();
        private final List<Future<?>> clients = new ArrayList<>();

        PostLoad(Map<String, String> receiver, int count, List<byte[]> jpegs, int framesPerSegment) {
            pool = Executors.newFixedThreadPool(count);
            String url = Harness.base(receiver) + "/api/v1/frames";
            long start = System.currentTimeMillis();
            for (int c = 0; c < count; c++) {
                String device = "load-" + c;
                clients.add(pool.submit(() -> {
                    var http = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
                    for (long frame = 0; running.get(); frame++) {
                        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                                .POST(HttpRequest.BodyPublishers.ofByteArray(jpegs.get((int) (frame % jpegs.size()))));
                        loadHeaders(device, frame, framesPerSegment, start).forEach(request::header);
                        try {
                            if (http.send(request.build(), HttpResponse.BodyHandlers.discarding()).statusCode() / 100 != 2) {
                                errors.incrementAndGet();
                            }
                        } catch (IOException e) {
                            errors.incrementAndGet();
                        }
                    }
                    return null;
                }));
            }
        }

        @Override
        public long errors() {
            return errors.get();
        }

        @Override
        public void close() throws Exception {
            running.set(false);
            for (Future<?> client : clients) {
                client.get(1, TimeUnit.MINUTES);
            }
            pool.shutdown();
        }
    }

    /**
     * Streams JPEGs with the sender's own stream client, one connection per client: as fast as the receiver
     * acknowledges with {@link #IN_FLIGHT} frames in flight each ({@code fps} 0), or paced at {@code fps}.
     */
    private static final class StreamLoad implements LoadGenerator {
        private static final int IN_FLIGHT = 4;
        private final io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        private final List<io.sightline.delivery.FrameStream> streams = new ArrayList<>();
        private final ExecutorService senders;
        private final java.util.concurrent.ScheduledExecutorService pacer = Executors.newSingleThreadScheduledExecutor();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong errors = new AtomicLong();
        private final List<Long> latenciesMicros = java.util.Collections.synchronizedList(new ArrayList<>());
        private final org.apache.camel.CamelContext exchanges = new org.apache.camel.impl.DefaultCamelContext();

        StreamLoad(Map<String, String> receiver, int count, List<byte[]> jpegs, int framesPerSegment, int fps) {
            senders = fps > 0 ? Executors.newCachedThreadPool() : Executors.newFixedThreadPool(count * IN_FLIGHT);
            long start = System.currentTimeMillis();
            for (int c = 0; c < count; c++) {
                String device = "load-" + c;
                io.sightline.delivery.FrameStream stream = new io.sightline.delivery.FrameStream(vertx, false,
                        new io.vertx.core.http.WebSocketClientOptions(), "127.0.0.1",
                        Integer.parseInt(receiver.get("sightline.receiver.http-port")), false,
                        "Bearer " + Harness.deviceToken(device), 1, 3000, 10_000, 20_000);
                streams.add(stream);
                AtomicLong frames = new AtomicLong();
                Runnable one = () -> {
                    long frame = frames.getAndIncrement();
                    var exchange = new org.apache.camel.support.DefaultExchange(exchanges);
                    exchange.getMessage().setHeaders(new HashMap<>(loadHeaders(device, frame, framesPerSegment, start)));
                    exchange.getMessage().setBody(jpegs.get((int) (frame % jpegs.size())));
                    long sent = System.nanoTime();
                    try {
                        stream.send(exchange);
                        if (exchange.getMessage().getHeader(org.apache.camel.Exchange.HTTP_RESPONSE_CODE, Integer.class) / 100 != 2) {
                            errors.incrementAndGet();
                        }
                        latenciesMicros.add((System.nanoTime() - sent) / 1000);
                    } catch (IOException | InterruptedException e) {
                        errors.incrementAndGet();
                    }
                };
                if (fps > 0) {
                    pacer.scheduleAtFixedRate(() -> senders.execute(one), c * 1000L / fps / count * 1000, 1_000_000L / fps,
                            TimeUnit.MICROSECONDS);
                } else {
                    for (int t = 0; t < IN_FLIGHT; t++) {
                        senders.execute(() -> {
                            while (running.get()) {
                                one.run();
                            }
                        });
                    }
                }
            }
        }

        @Override
        public long errors() {
            return errors.get();
        }

        /** Times from handing a frame to the stream to its acknowledgement so far (cleared to start again). */
        List<Long> latenciesMicros() {
            return latenciesMicros;
        }

        @Override
        public void close() throws Exception {
            running.set(false);
            pacer.shutdownNow();
            senders.shutdown();
            senders.awaitTermination(1, TimeUnit.MINUTES);
            streams.forEach(io.sightline.delivery.FrameStream::close);
            vertx.close().toCompletionStage().toCompletableFuture().get(1, TimeUnit.MINUTES);
        }
    }

    static long percentile(List<Long> sorted, double p) {
        return sorted.get(Math.max(0, (int) Math.ceil(sorted.size() * p) - 1));
    }

    private static String size(Path video) {
        Matcher m = Pattern.compile("(\\d+x\\d+)").matcher(video.getFileName().toString());
        return m.find() ? m.group(1) : "?";
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv("PATH").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    private static Process shell(String command) throws IOException {
        return new ProcessBuilder("bash", "-c", command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    /** CPU of the children from bash's {@code times} (second line: children's user and system time, e.g. 0m1.234s). */
    private static double childCpuMillis(String times) {
        String[] lines = times.strip().split("\n");
        Matcher m = Pattern.compile("(\\d+)m([\\d.]+)s").matcher(lines[lines.length - 1]);
        double total = 0;
        while (m.find()) {
            total += (Integer.parseInt(m.group(1)) * 60 + Double.parseDouble(m.group(2))) * 1000;
        }
        return total;
    }

    // ---- report ----------------------------------------------------------------------------------------------

    private void report() throws IOException {
        // references by size and run; a row measured once compares with the last run's
        Map<String, Row> ffmpeg = new HashMap<>();
        Map<String, Row> raw = new HashMap<>();
        Map<String, Row> copyingListener = new HashMap<>();
        for (Row r : rows) {
            if (r.workload().startsWith(COPYING_LISTENER)) {
                copyingListener.put(sizeOf(r.workload()) + "#" + r.run(), r);
                copyingListener.put(sizeOf(r.workload()) + "#0", r);
            } else if (r.workload().startsWith("ffmpeg") && r.fps() > 0) {
                ffmpeg.put(sizeOf(r.workload()) + "#" + r.run(), r);
                ffmpeg.put(sizeOf(r.workload()) + "#0", r);
            } else if (r.workload().startsWith("raw")) {
                raw.put(sizeOf(r.workload()) + "#" + r.run(), r);
                raw.put(sizeOf(r.workload()) + "#0", r);
            }
        }
        StringBuilder table = new StringBuilder();
        table.append(String.format(Locale.ROOT, "%-14s | %-70s | %9s | %10s | %12s | %s%n", "section", "workload",
                "frames/s", "sender ms", "receiver ms", "notes / ratios (to the references of the same run)"));
        table.append("-".repeat(150)).append('\n');
        StringBuilder csv = new StringBuilder("run,section,workload,fps,senderCpuMsPerFrame,receiverCpuMsPerFrame,notes\n");
        StringBuilder ratios = new StringBuilder();
        List<Map<String, Object>> json = new ArrayList<>();
        for (Row r : rows) {
            String notes = r.notes() == null ? "" : r.notes();
            String size = sizeOf(r.workload());
            Row ff = ffmpeg.get(size + "#" + r.run());
            Row rawRow = raw.get(size + "#" + r.run());
            Row listener = ffmpeg.get("640x480#" + r.run());
            Row copier = copyingListener.get("640x480#" + r.run());
            if (r.section().equals("sender") && ff != null && rawRow != null) {
                notes = String.format(Locale.ROOT, "%.2f× ffmpeg fps, %.2f× ffmpeg sender CPU, %.2f× raw-encode fps",
                        r.fps() / ff.fps(), r.senderCpuMs() / ff.senderCpuMs(), r.fps() / rawRow.fps());
            } else if (r.section().equals("receiver") && r.workload().contains("copy") && listener != null
                    && r.receiverCpuMs() != null) {
                notes = String.format(Locale.ROOT, "%.2f× ffmpeg listener CPU%s%s", r.receiverCpuMs() / listener.receiverCpuMs(),
                        copier == null ? "" : String.format(Locale.ROOT, " (%.1f× the copying listener's)",
                                r.receiverCpuMs() / copier.receiverCpuMs()),
                        notes.isEmpty() ? "" : "; " + notes);
            }
            if (r.run() > 0 && (r.section().equals("sender") || r.section().equals("receiver"))) {
                ratios.append(String.format(Locale.ROOT, "run %d | %-70s | %s%n", r.run(), r.workload(), notes));
            }
            String section = r.run() > 0 ? r.section() + " #" + r.run() : r.section();
            table.append(String.format(Locale.ROOT, "%-14s | %-70s | %9s | %10s | %12s | %s%n", section, r.workload(),
                    r.fps() > 0 ? String.format(Locale.ROOT, "%.0f", r.fps()) : "", number(r.senderCpuMs()),
                    number(r.receiverCpuMs()), notes));
            csv.append(String.join(",", String.valueOf(r.run()), r.section(), quote(r.workload()),
                    String.format(Locale.ROOT, "%.1f", r.fps()), number(r.senderCpuMs()), number(r.receiverCpuMs()),
                    quote(notes))).append('\n');
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("run", r.run());
            entry.put("section", r.section());
            entry.put("workload", r.workload());
            entry.put("fps", r.fps());
            entry.put("senderCpuMsPerFrame", r.senderCpuMs());
            entry.put("receiverCpuMsPerFrame", r.receiverCpuMs());
            entry.put("notes", notes);
            json.add(entry);
        }
        if (!ratios.isEmpty()) {
            table.append("\nThe ratios, run by run:\n").append(ratios);
        }
        String cores = Runtime.getRuntime().availableProcessors() + " cores";
        System.out.println("\nSightline benchmark (" + cores + ", CPU = user + system time per frame)\n" + table);
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target", "benchmark.csv"), csv);
        Files.writeString(Path.of("target", "benchmark.json"), io.sightline.wire.Json.text(json));
        Files.writeString(Path.of("target", "benchmark.txt"), table);
    }

    private static String sizeOf(String workload) {
        Matcher m = Pattern.compile("(\\d+x\\d+)").matcher(workload);
        return m.find() ? m.group(1) : "";
    }

    private static String number(Double value) {
        return value == null ? "" : String.format(Locale.ROOT, "%.2f", value);
    }

    private static String quote(String text) {
        return "\"" + text.replace("\"", "\"\"") + "\"";
    }
}
