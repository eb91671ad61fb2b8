package io.sightline.capture;

import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.javacv.OpenCVFrameGrabber;
import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Frames from JavaCV: a video file (read in order, optionally looping), an {@code rtsp://} or
 * {@code http(s)://} stream, or a webcam index. Live sources are read by a thread of their own that keeps only
 * the newest frame, so a slow consumer sees fresh images instead of a growing backlog in the demuxer. A file is
 * read one frame ahead, so the frame before its end (or before it starts again) is known to end the run, and
 * each frame carries the file's own timestamp.
 */
public class GrabberSource implements FrameSource {

    private final String location;
    private final boolean loop;
    private final boolean ownPace;
    private final int width;
    private final int height;
    private final double fps;

    private FrameGrabber grabber;
    private final OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
    private final Mat out = new Mat();
    private boolean finished;

    // files only: the frame after the one returned, read ahead
    private final Mat ahead = new Mat();
    private boolean haveAhead;
    private long aheadMillis;
    private long runOriginMicros = -1;
    private long lastMillis = -1;
    private long presentationMillis = -1;
    private boolean endsRun;

    // live sources only
    private Thread reader;
    private final Object lock = new Object();
    private final Mat latest = new Mat();
    private boolean fresh;
    private volatile Exception readerFailure;
    private volatile boolean running;

    /** @param ownPace a file is timed by its own timestamps (false: by the clock, as the capture timer reads it) */
    public GrabberSource(String location, boolean loop, boolean ownPace, int width, int height, double fps) {
        this.location = location;
        this.loop = loop;
        this.ownPace = ownPace;
        this.width = width;
        this.height = height;
        this.fps = fps;
    }

    static boolean isWebcam(String location) {
        return location.matches("\\d{1,2}");
    }

    /** The frame rate of a video file (0 when it cannot be read), before any source is opened. */
    static double fileFrameRate(String location) {
        try (FFmpegFrameGrabber probe = new FFmpegFrameGrabber(location)) {
            probe.start();
            return probe.getFrameRate();
        } catch (Exception e) {
            return 0; // opening it for real will say why
        }
    }

    static boolean isStream(String location) {
        return location.matches("(?i)(rtsp|rtsps|rtmp|http|https|udp|tcp|srt)://.*");
    }

    /** A video file (not a webcam, not a stream). */
    static boolean isFile(String location) {
        return !isWebcam(location) && !isStream(location);
    }

    private boolean isLive() {
        return isWebcam(location) || isStream(location);
    }

    @Override
    public void open() throws Exception {
        finished = false;
        haveAhead = false;
        runOriginMicros = -1;
        lastMillis = -1;
        readerFailure = null;
        if (isWebcam(location)) {
            OpenCVFrameGrabber camera = new OpenCVFrameGrabber(Integer.parseInt(location));
            camera.setImageWidth(width);
            camera.setImageHeight(height);
            camera.setFrameRate(fps);
            grabber = camera;
        } else {
            FFmpegFrameGrabber ffmpeg = new FFmpegFrameGrabber(location);
            if (location.regionMatches(true, 0, "rtsp", 0, 4)) {
                ffmpeg.setOption("rtsp_transport", "tcp");
            }
            if (isStream(location)) {
                ffmpeg.setOption("timeout", "5000000"); // microseconds: a dead stream fails instead of hanging
            }
            grabber = ffmpeg;
        }
        grabber.start();
        if (isLive()) {
            running = true;
            reader = new Thread(this::readLive, "sightline-grabber");
            reader.setDaemon(true);
            reader.start();
        }
    }

    private void readLive() {
        OpenCVFrameConverter.ToMat liveConverter = new OpenCVFrameConverter.ToMat();
        try {
            while (running) {
                Frame frame = nextImage();
                if (frame == null) {
                    throw new IllegalStateException("stream ended: " + location);
                }
                Mat image = liveConverter.convert(frame);
                synchronized (lock) {
                    image.copyTo(latest);
                    fresh = true;
                }
            }
        } catch (Exception e) {
            if (running) {
                readerFailure = e;
            }
        }
    }

    @Override
    public Mat grab() throws Exception {
        if (reader != null) {
            synchronized (lock) {
                if (!fresh) {
                    if (readerFailure != null) {
                        throw readerFailure;
                    }
                    return null;
                }
                latest.copyTo(out);
                fresh = false;
            }
            return out;
        }
        if (finished) {
            return null;
        }
        if (!haveAhead && !readAhead()) {
            finished = true; // an empty file
            return null;
        }
        ahead.copyTo(out);
        presentationMillis = aheadMillis;
        endsRun = !readAhead();
        if (endsRun) {
            if (loop) {
                grabber.stop();
                grabber.start();
                runOriginMicros = -1;
                lastMillis = -1;
                readAhead();
            } else {
                finished = true; // after this frame
            }
        }
        return out;
    }

    /** Reads the next frame of the file into {@link #ahead} with its time in the run; false at the end. */
    private boolean readAhead() throws FrameGrabber.Exception {
        Frame frame = nextImage();
        haveAhead = frame != null;
        if (haveAhead) {
            converter.convert(frame).copyTo(ahead);
            if (runOriginMicros < 0) {
                runOriginMicros = frame.timestamp;
            }
            long millis = (frame.timestamp - runOriginMicros) / 1000;
            // a file without usable timestamps is timed by its frame rate
            double rate = grabber.getFrameRate() > 0 && grabber.getFrameRate() < 1000 ? grabber.getFrameRate() : fps;
            aheadMillis = millis > lastMillis ? millis : lastMillis + Math.round(1000 / rate);
            lastMillis = aheadMillis;
        }
        return haveAhead;
    }

    @Override
    public long presentationMillis() {
        return reader == null && ownPace ? presentationMillis : -1;
    }

    @Override
    public boolean endsRun() {
        return reader == null && endsRun;
    }

    @Override
    public double framesPerSecond() {
        if (reader != null || grabber == null || !ownPace) {
            return 0;
        }
        double rate = grabber.getFrameRate();
        return rate > 0 && rate < 1000 ? rate : fps;
    }

    /** Video frames only: an FFmpeg source may also carry audio. */
    private Frame nextImage() throws FrameGrabber.Exception {
        return grabber instanceof FFmpegFrameGrabber ffmpeg ? ffmpeg.grabImage() : grabber.grab();
    }

    @Override
    public boolean finished() {
        return finished;
    }

    @Override
    public String describe() {
        return (isWebcam(location) ? "webcam " : isStream(location) ? "stream " : "file ") + location;
    }

    @Override
    public void close() {
        running = false;
        if (reader != null) {
            try {
                reader.join(7000); // a blocked read gives up within the 5 s stream timeout
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            reader = null;
        }
        try {
            if (grabber != null) {
                grabber.close();
            }
        } catch (Exception ignored) {
            // closing a broken grabber: nothing left to release
        }
        grabber = null;
    }
}
