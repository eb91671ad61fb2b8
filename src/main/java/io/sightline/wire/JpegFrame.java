package io.sightline.wire;

/** A frame as one JPEG with its metadata: what a bean hands a route to put into the body and the frame property. */
public record JpegFrame(FrameMeta meta, byte[] jpeg) {
}
