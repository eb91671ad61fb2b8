package io.sightline.segment;

import io.sightline.wire.JpegCheck;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Writes the JPEG frames of a segment, in order, as one video file timed by their capture times. */
public interface VideoMuxer {

    /**
     * @param frames   in frame order, at least one
     * @param interval nominal frame interval in ms, the duration given to the last frame
     * @param size     the video's picture size: frames of another size (reduced live copies) are scaled to it
     */
    void mux(List<FrameRef> frames, long interval, JpegCheck.Size size, Path target) throws IOException;

    /** The codec of the written video, as recorded in the sidecar. */
    String codec();
}
