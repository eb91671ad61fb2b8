package io.sightline.capture;

import org.bytedeco.opencv.opencv_core.Mat;

/**
 * Where frames come from. {@link #grab()} returns an image owned by the source and valid until the next call;
 * {@code null} means "no new frame now" (a live source between frames, or a finished file).
 */
public interface FrameSource extends AutoCloseable {

    void open() throws Exception;

    Mat grab() throws Exception;

    /** A file that reached its end without looping: nothing more will come until it is reopened. */
    default boolean finished() {
        return false;
    }

    /**
     * A file's time for the frame last grabbed, in ms from the first frame of its run (the file's own
     * timestamps); -1 for a live source, whose frames are timed by the clock when they are captured.
     */
    default long presentationMillis() {
        return -1;
    }

    /** Whether the frame last grabbed ends a run: the file ends after it, or starts again. */
    default boolean endsRun() {
        return false;
    }

    /** The source's own frame rate (a file's), or 0 when frames come as the capture scheduler asks. */
    default double framesPerSecond() {
        return 0;
    }

    String describe();

    @Override
    void close();
}
