package io.sightline.capture;

import io.micrometer.core.instrument.Counter;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.FrameMeta;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.List;
import java.util.function.Supplier;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * Called on every tick of the capture scheduler: the next frame (an OpenCV {@link Mat} at the configured size) with its
 * {@link FrameMeta}, or {@code null} when there is none this tick. A live source's frame is timed by the clock
 * when it is captured; a file's by its own timestamps from the start of its run (a 24 fps file is recorded at
 * 24 fps), and it is not let out before its time. A source that fails is closed and reopened with exponential
 * backoff, so a dead camera costs one attempt per backoff, never a busy loop.
 */
public class CaptureProcessor {

    /** A frame just captured and its metadata, before detection. */
    public record Captured(Mat image, FrameMeta meta) {
    }


    private static final Logger LOG = LoggerFactory.getLogger(CaptureProcessor.class);
    private static final long MAX_BACKOFF_MILLIS = 30_000;
    private static final long FPS_WINDOW_MILLIS = 2000;
    /** A file's frame this late (a sender slower than the file) re-anchors its run on the clock. */
    private static final long MAX_FILE_LAG_MILLIS = 1000;

    private final Supplier<FrameSource> sources;
    private final String deviceId;
    private final String streamId;
    private final SegmentPlanner planner;
    private final int width;
    private final int height;
    private final Mat resized = new Mat();
    private final Counter captured;
    private final ArrayDeque<Long> recent = new ArrayDeque<>();

    private FrameSource source;
    /** A file's frame grabbed before its time: it goes on a later tick. */
    private Mat held;
    private long heldMillis;
    private boolean heldEndsRun;
    /** The clock time of the current run's first frame (a file's); -1 before it. */
    private long runStart = -1;
    private long nextOpenAt;
    private long backoffMillis = 1000;
    private long frameNumber;
    private boolean reportedFinished;
    private volatile boolean open;

    public CaptureProcessor(Supplier<FrameSource> sources, String deviceId, String streamId, SegmentPlanner planner,
                            int width, int height, SightlineMetrics metrics) {
        this.sources = sources;
        this.deviceId = deviceId;
        this.streamId = streamId;
        this.planner = planner;
        this.width = width;
        this.height = height;
        this.captured = metrics.counter("frames.captured", "device", deviceId);
        metrics.gauge("capture.fps", this, CaptureProcessor::fps, "device", deviceId);
    }

    /** Route step of {@code capture}, on every tick. */
    public Captured capture() {
        if (source == null && !openSource()) {
            return null;
        }
        if (held == null) {
            Mat image;
            try {
                image = source.grab();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // the route is being stopped while this tick waits for a frame
                return null;
            } catch (Exception e) {
                fail("reading from " + source.describe() + " failed: " + e.getMessage());
                return null;
            }
            if (image == null || image.empty()) {
                if (source.finished() && !reportedFinished) {
                    reportedFinished = true;
                    LOG.info("Source {} reached its end after {} frames", source.describe(), frameNumber);
                }
                return null;
            }
            held = image;
            heldMillis = source.presentationMillis();
            heldEndsRun = source.endsRun();
        }
        long now = System.currentTimeMillis();
        long captureTime = now;
        if (heldMillis >= 0) {
            if (runStart < 0 || now - (runStart + heldMillis) > MAX_FILE_LAG_MILLIS) {
                runStart = now - heldMillis; // the start, or a sender too slow for the file: times stay near the clock
            }
            captureTime = runStart + heldMillis;
            if (captureTime > now) {
                return null; // not its time yet
            }
            if (heldEndsRun) {
                runStart = -1;
            }
        }
        Mat image = held;
        held = null;
        captured.increment();
        synchronized (recent) {
            recent.addLast(captureTime);
            while (captureTime - recent.peekFirst() > FPS_WINDOW_MILLIS) {
                recent.pollFirst();
            }
        }
        long frame = frameNumber++;
        double rate = source.framesPerSecond();
        SegmentPlanner.Placement placement = planner.place(frame, captureTime, rate > 0 ? Math.round(1000 / rate) : 0,
                heldEndsRun);
        FrameMeta meta = new FrameMeta(deviceId, streamId, frame, captureTime, placement.segment(), placement.first(),
                placement.last(), List.of());
        return new Captured(toConfiguredSize(image), meta);
    }

    private Mat toConfiguredSize(Mat image) {
        if (image.cols() == width && image.rows() == height) {
            return image;
        }
        resize(image, resized, new Size(width, height), 0, 0, INTER_AREA);
        return resized;
    }

    private boolean openSource() {
        long now = System.currentTimeMillis();
        if (now < nextOpenAt) {
            return false;
        }
        FrameSource candidate = sources.get();
        try {
            candidate.open();
            source = candidate;
            runStart = -1;
            open = true;
            backoffMillis = 1000;
            reportedFinished = false;
            LOG.info("Opened source {}", candidate.describe());
            return true;
        } catch (Exception e) {
            candidate.close();
            nextOpenAt = now + backoffMillis;
            LOG.warn("Cannot open source {}: {} (retrying in {} ms)", candidate.describe(), e.getMessage(), backoffMillis);
            backoffMillis = Math.min(MAX_BACKOFF_MILLIS, backoffMillis * 2);
            return false;
        }
    }

    private void fail(String reason) {
        LOG.warn("{}; reopening in {} ms", reason, backoffMillis);
        source.close();
        source = null;
        held = null;
        runStart = -1;
        open = false;
        nextOpenAt = System.currentTimeMillis() + backoffMillis;
        backoffMillis = Math.min(MAX_BACKOFF_MILLIS, backoffMillis * 2);
    }

    /** Whether the source is open now (for health checks and the demo banner). */
    public boolean isOpen() {
        return open;
    }

    /** Frames captured per second over the last two seconds. */
    public double fps() {
        long now = System.currentTimeMillis();
        synchronized (recent) {
            return recent.stream().filter(t -> now - t <= FPS_WINDOW_MILLIS).count() * 1000.0 / FPS_WINDOW_MILLIS;
        }
    }

    public void close() {
        held = null;
        if (source != null) {
            source.close();
            source = null;
            open = false;
        }
    }
}
