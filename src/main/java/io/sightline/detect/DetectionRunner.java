package io.sightline.detect;

import io.micrometer.core.instrument.Counter;
import io.sightline.monitor.RepeatedWarnings;
import io.sightline.wire.Detection;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Runs one stream's detector beside the frames instead of in their way. A frame that comes while the detector is
 * idle (and is one of every {@code every}) starts a run on the executor's thread, and waits at most
 * {@code waitMillis} for it: a detector that is fast enough labels its own frame. A frame that comes while a run
 * is busy, or that the wait gave up on, goes at once with the detections of the last finished run, each marked
 * with the frame it was found in ({@link Detection#from()}). So capture holds its frame rate whatever the
 * detector costs, and a slow detector sees the newest frame when it is free again, never a backlog.
 */
public class DetectionRunner {

    /**
     * A run's input: made on the caller's thread (where a frame that will be reused is copied), called on the
     * detector's (where a JPEG is decoded), it runs the detector and gives boxes in frame pixels.
     */
    public interface Input {
        List<Detection> detectWith(Detector detector);
    }

    private record Result(String stream, long frame, int width, int height, List<Detection> found) {
    }

    /**
     * A run's detections go with later frames of its stream only up to this many frames after every-N's gap: an
     * older run (a detector stuck, a replayed or reordered frame, a stream that stopped for a while) says
     * nothing about the frame.
     */
    static final int MAX_LAG_FRAMES = 40;

    private final Detector detector;
    private final Executor executor;
    private final int every;
    private final long waitMillis;
    private final String origin;
    private final Counter reused;
    private final RepeatedWarnings warnings;

    private final Object lock = new Object();
    private boolean busy;
    private long framesSeen;
    private Result last = new Result("", -1, 0, 0, List.of());

    /**
     * @param origin {@code null} for the sender's own detector, {@link Detection#RECEIVER} for the receiver's
     * @param reused counts frames that went with an earlier frame's detections
     */
    public DetectionRunner(Detector detector, Executor executor, int every, long waitMillis, String origin,
                           Counter reused, RepeatedWarnings warnings) {
        this.detector = detector;
        this.executor = executor;
        this.every = Math.max(1, every);
        this.waitMillis = waitMillis;
        this.origin = origin;
        this.reused = reused;
        this.warnings = warnings;
    }

    /**
     * The detections to send with frame {@code frame} of {@code stream} ({@code width}×{@code height} pixels):
     * its own if a run on it finishes within the wait, else the last finished run's (of the same stream, a few
     * frames before), scaled to this frame's size.
     *
     * @param input made only when this frame starts a run
     */
    public List<Detection> detections(String stream, long frame, int width, int height, Supplier<Input> input) {
        CompletableFuture<Void> run = null;
        synchronized (lock) {
            boolean due = framesSeen++ % every == 0;
            if (!busy && due) {
                Input prepared = input.get();
                busy = true;
                Result started = new Result(stream, frame, width, height, List.of());
                run = CompletableFuture.runAsync(() -> run(started, prepared), executor);
            }
        }
        if (run != null && waitMillis > 0) {
            try {
                run.get(waitMillis, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                // still running: this frame goes with the last finished run's detections
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException e) {
                warnings.warn("detector-failed", String.valueOf(e.getCause()));
            }
        }
        Result result;
        synchronized (lock) {
            result = last;
        }
        long lag = frame - result.frame();
        if (!result.stream().equals(stream) || lag < 0 || lag > every + MAX_LAG_FRAMES) {
            return List.of();
        }
        if (lag > 0 && !result.found().isEmpty()) {
            reused.increment();
        }
        return marked(result, frame, width, height);
    }

    private void run(Result started, Input input) {
        Result result = started;
        try {
            result = new Result(started.stream(), started.frame(), started.width(), started.height(), input.detectWith(detector));
        } catch (RuntimeException e) {
            warnings.warn("detector-failed", "frame " + started.frame() + ": " + e);
        } finally {
            synchronized (lock) {
                last = result;
                busy = false;
            }
        }
    }

    private List<Detection> marked(Result result, long frame, int width, int height) {
        List<Detection> out = new ArrayList<>(result.found().size());
        boolean rescale = result.width() > 0 && (result.width() != width || result.height() != height);
        for (Detection d : result.found()) {
            Detection sized = (rescale ? d.scaled((double) width / result.width(), (double) height / result.height()) : d)
                    .inside(width, height);
            out.add(result.frame() == frame && origin == null ? sized
                    : sized.foundIn(result.frame() == frame ? null : result.frame(), origin));
        }
        return out;
    }
}
