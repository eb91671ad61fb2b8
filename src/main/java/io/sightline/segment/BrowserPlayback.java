package io.sightline.segment;

import io.sightline.monitor.SightlineMetrics;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_VP8;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;

/**
 * Browsers do not play MJPEG or Matroska, so a segment is converted on its first playback request to VP8 in
 * WebM (every browser plays it; the LGPL FFmpeg build has libvpx) and the copy is kept beside the segment as
 * {@code <segment>.webm} for the next viewer. Retention deletes it with its segment. Conversion runs at VP8's
 * realtime speed setting: a 10 s segment at 640×480 takes about a second.
 */
public class BrowserPlayback {

    private final SightlineMetrics metrics;
    private final Map<Path, Object> converting = new ConcurrentHashMap<>();

    public BrowserPlayback(SightlineMetrics metrics) {
        this.metrics = metrics;
    }

    /** Where the browser copy of a segment video lives. */
    static Path copyOf(Path video) {
        String name = video.getFileName().toString();
        return video.resolveSibling(name.substring(0, name.lastIndexOf('.')) + ".webm");
    }

    /** The WebM copy of {@code video}, converted now if there is none yet (one conversion per segment at a time). */
    public Path webm(Path video) throws IOException {
        Path target = copyOf(video);
        Object lock = converting.computeIfAbsent(target, t -> new Object());
        try {
            synchronized (lock) {
                if (!Files.exists(target)) {
                    long started = System.nanoTime();
                    Path part = target.resolveSibling(target.getFileName() + ".part");
                    convert(video, part);
                    Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
                    metrics.timer("playback.convert.duration").record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
                }
                return target;
            }
        } finally {
            converting.remove(target, lock);
        }
    }

    private static void convert(Path video, Path target) throws IOException {
        try (FFmpegFrameGrabber in = new FFmpegFrameGrabber(video.toFile())) {
            in.start();
            try (FFmpegFrameRecorder out = new FFmpegFrameRecorder(target.toFile(), in.getImageWidth(), in.getImageHeight(), 0)) {
                out.setFormat("webm");
                out.setVideoCodec(AV_CODEC_ID_VP8);
                out.setPixelFormat(AV_PIX_FMT_YUV420P);
                out.setFrameRate(in.getFrameRate() > 0 ? in.getFrameRate() : 20);
                out.setVideoBitrate(2_000_000);
                out.setVideoOption("deadline", "realtime");
                out.setVideoOption("cpu-used", "8");
                out.start();
                Frame frame;
                while ((frame = in.grabImage()) != null) {
                    out.setTimestamp(in.getTimestamp()); // keeps the segment's timing (frames lost on the way leave gaps)
                    out.record(frame);
                }
                out.stop();
            }
            in.stop();
        }
    }
}
