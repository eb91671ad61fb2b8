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
 * the newest frame, so a slow consumer sees fresh images instead of a growing backlog in the demuxer.
 */
public class GrabberSource implements FrameSource {

    private final String location;
    private final boolean loop;
    private final int width;
    private final int height;
    private final double fps;

    private FrameGrabber grabber;
    private final OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
    private final Mat out = new Mat();
    private boolean finished;

    // live sources only
    private Thread reader;
    private final Object lock = new Object();
    private final Mat latest = new Mat();
    private boolean fresh;
    private volatile Exception readerFailure;
    private volatile boolean running;

    public GrabberSource(String location, boolean loop, int width, int height, double fps) {
        this.location = location;
        this.loop = loop;
        this.width = width;
        this.height = height;
        this.fps = fps;
    }

    static boolean isWebcam(String location) {
        return location.matches("\\d{1,2}");
    }

    static boolean isStream(String location) {
        return location.matches("(?i)(rtsp|rtsps|rtmp|http|https|udp|tcp|srt)://.*");
    }

    private boolean isLive() {
        return isWebcam(location) || isStream(location);
    }

    @Override
    public void open() throws Exception {
        finished = false;
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
        Frame frame = nextImage();
        if (frame == null && loop) {
            grabber.stop();
            grabber.start();
            frame = nextImage();
        }
        if (frame == null) {
            finished = true;
            return null;
        }
        return converter.convert(frame);
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
