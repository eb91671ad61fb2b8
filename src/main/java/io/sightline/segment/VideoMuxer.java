package io.sightline.segment;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Writes the JPEG frames of a segment, in order, as one video file timed by their capture times. */
public interface VideoMuxer {

    /**
     * @param frames   in frame order, at least one
     * @param interval nominal frame interval in ms, the duration given to the last frame
     */
    void mux(List<FrameRef> frames, long interval, Path target) throws IOException;

    /** The codec of the written video, as recorded in the sidecar. */
    String codec();
}
