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

    String describe();

    @Override
    void close();
}
