package io.sightline.capture;

import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.javacv.OpenCVFrameGrabber;
import org.bytedeco.opencv.opencv_core.Mat;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Frames from JavaCV: a video file (read in order, optionally looping), an {@code rtsp://} or
 * {@code http(s)://} stream, or a webcam index. Live sources are read by a thread of their own that keeps only
 * the newest frame, so a slow consumer sees fresh images instead of a growing backlog in the demuxer. A file is
 * decoded by a thread of its own a few frames ahead of the capture thread (which meanwhile encodes the frame
 * before), in order, so the frame before its end (or before it starts again) is known to end the run, and each
 * frame carries the file's own timestamp. Each frame is converted straight into an image of this source's
 * ({@link ImageReader}), and images are handed over, not copied: the one {@link #grab} returned is the caller's
 * until it grabs again.
 */
public class GrabberSource implements FrameSource {

    private final String location;
    private final boolean loop;
    private final boolean ownPace;
    private final int width;
    private final int height;
    private final double fps;

    private final boolean live;
    private FrameGrabber grabber;
    /** A file's frame rate, read when it opens (its reader restarts the grabber when it loops). */
    private volatile double fileRate;
    private Thread reader;
    private volatile boolean running;
    private volatile Exception readerFailure;
    private boolean finished;

    // files only: frames decoded ahead, in order, and the images they are decoded into
    /** A decoded frame of a file: its time in the run, and whether it is the last of the run. */
    private record Decoded(Mat image, long millis, boolean endsRun) {
        Decoded endingRun() {
            return new Decoded(image, millis, true);
        }
    }

    /** After the last frame of the file (or when its reader failed). */
    private static final Decoded END = new Decoded(null, -1, true);
    /** Frames decoded ahead of the capture thread. */
    private static final int AHEAD = 2;
    private static final long READ_TIMEOUT_SECONDS = 30;
    private BlockingQueue<Decoded> decoded;
    private BlockingQueue<Mat> free;
    private Decoded current;
    private long presentationMillis = -1;
    private boolean endsRun;

    // live sources only: the newest frame, the image the caller has, and the one the reader reads into
    private final Object lock = new Object();
    private Mat latest = new Mat();
    private Mat out = new Mat();
    private Mat spare = new Mat();
    private boolean fresh;

    /** @param ownPace a file is timed by its own timestamps (false: by the clock, as the capture scheduler reads it) */
    public GrabberSource(String location, boolean loop, boolean ownPace, int width, int height, double fps) {
        this.location = location;
        this.loop = loop;
        this.ownPace = ownPace;
        this.width = width;
        this.height = height;
        this.fps = fps;
        this.live = isWebcam(location) || isStream(location);
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
        return live;
    }

    @Override
    public void open() throws Exception {
        finished = false;
        current = null;
        readerFailure = null;
        if (isWebcam(location)) {
            OpenCVFrameGrabber camera = new OpenCVFrameGrabber(Integer.parseInt(location));
            camera.setImageWidth(width);
            camera.setImageHeight(height);
            camera.setFrameRate(fps);
            grabber = camera;
        } else {
            FFmpegFrameGrabber ffmpeg = new FFmpegFrameGrabber(location);
            ImageReader.decodedPictures(ffmpeg);
            if (location.regionMatches(true, 0, "rtsp", 0, 4)) {
                ffmpeg.setOption("rtsp_transport", "tcp");
            }
            if (isStream(location)) {
                ffmpeg.setOption("timeout", "5000000"); // microseconds: a dead stream fails instead of hanging
            }
            grabber = ffmpeg;
        }
        grabber.start();
        running = true;
        if (isLive()) {
            FrameGrabber stream = grabber;
            reader = new Thread(() -> readLive(stream), "sightline-grabber");
        } else {
            double rate = grabber.getFrameRate();
            fileRate = rate > 0 && rate < 1000 ? rate : fps; // a file without a usable rate is timed by the capture rate
            // images: decoded ahead, the one held back to learn if it ends a run, the caller's; and room for END
            free = new ArrayBlockingQueue<>(AHEAD + 2);
            decoded = new ArrayBlockingQueue<>(AHEAD + 3);
            for (int i = 0; i < AHEAD + 2; i++) {
                free.add(new Mat());
            }
            FrameGrabber file = grabber;
            BlockingQueue<Mat> images = free;
            BlockingQueue<Decoded> out = decoded;
            reader = new Thread(() -> readFile(file, images, out), "sightline-file-reader");
        }
        reader.setDaemon(true);
        reader.start();
    }

    private void readLive(FrameGrabber stream) {
        try (ImageReader frames = new ImageReader(stream)) {
            while (running) {
                if (frames.read(spare) == null) {
                    throw new IllegalStateException("stream ended: " + location);
                }
                synchronized (lock) {
                    Mat newest = spare; // the newest unread frame before it, if any, is read into next
                    spare = latest;
                    latest = newest;
                    fresh = true;
                }
            }
        } catch (Exception e) {
            if (running) {
                readerFailure = e;
            }
        }
        if (!running) {
            closeQuietly(stream); // closed while it read
        }
    }

    /**
     * Decodes the file into free images, ahead of the capture thread; a frame is handed on once the next one is read
     * (or the file ended: then it ends the run). Looping, the file starts again and a new run with it. Only this
     * thread touches the grabber while it runs; it closes it if the source was closed meanwhile.
     */
    private void readFile(FrameGrabber file, BlockingQueue<Mat> images, BlockingQueue<Decoded> out) {
        Decoded pending = null;
        long originMicros = -1;
        long lastMillis = -1;
        try (ImageReader frames = new ImageReader(file)) {
            while (running) {
                Mat image = images.take();
                Frame frame = frames.read(image);
                if (frame == null) {
                    images.add(image);
                    if (pending == null) {
                        break; // an empty file
                    }
                    out.put(pending.endingRun());
                    pending = null;
                    if (!loop) {
                        break;
                    }
                    file.stop();
                    file.start();
                    originMicros = -1;
                    lastMillis = -1;
                    continue;
                }
                if (originMicros < 0) {
                    originMicros = frame.timestamp;
                }
                long millis = (frame.timestamp - originMicros) / 1000;
                // a file without usable timestamps is timed by its frame rate
                millis = millis > lastMillis ? millis : lastMillis + Math.round(1000 / fileRate);
                lastMillis = millis;
                if (pending != null) {
                    out.put(pending);
                }
                pending = new Decoded(image, millis, false);
            }
        } catch (InterruptedException e) {
            pending = null; // closed
        } catch (Exception e) {
            if (running) {
                readerFailure = e;
            }
        }
        if (pending != null) {
            out.offer(pending.endingRun()); // the last frame read before a failure
        }
        out.offer(END);
        if (!running) {
            closeQuietly(file);
        }
    }

    @Override
    public Mat grab() throws Exception {
        if (isLive()) {
            synchronized (lock) {
                if (!fresh) {
                    if (readerFailure != null) {
                        throw readerFailure;
                    }
                    return null;
                }
                Mat newest = latest; // the caller's image from the last grab is done with: the reader fills it next
                latest = out;
                out = newest;
                fresh = false;
            }
            return out;
        }
        if (finished) {
            return null;
        }
        if (current != null) {
            free.add(current.image()); // the caller is done with the last frame's image
            current = null;
        }
        Decoded next = decoded.poll(READ_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        if (next == null) {
            throw new IllegalStateException("no frame decoded from " + location + " in " + READ_TIMEOUT_SECONDS + " s");
        }
        if (next == END) {
            finished = true;
            if (readerFailure != null) {
                throw readerFailure;
            }
            return null;
        }
        current = next;
        presentationMillis = next.millis();
        endsRun = next.endsRun();
        finished = endsRun && !loop; // after this frame
        return next.image();
    }

    @Override
    public long presentationMillis() {
        return !isLive() && ownPace ? presentationMillis : -1;
    }

    @Override
    public boolean endsRun() {
        return !isLive() && endsRun;
    }

    @Override
    public double framesPerSecond() {
        return isLive() || !ownPace ? 0 : fileRate;
    }

    private static void closeQuietly(FrameGrabber grabber) {
        try {
            grabber.close();
        } catch (Exception ignored) {
            // closing a broken grabber: nothing left to release
        }
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
        boolean readerGone = true;
        if (reader != null) {
            if (!isLive()) {
                reader.interrupt(); // it may wait for a free image
            }
            try {
                reader.join(7000); // a blocked read gives up within the 5 s stream timeout
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            readerGone = !reader.isAlive();
            reader = null;
        }
        if (grabber != null && readerGone) {
            closeQuietly(grabber); // else its reader closes it once its read returns
        }
        grabber = null;
    }
}
