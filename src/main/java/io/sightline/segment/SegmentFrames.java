package io.sightline.segment;

import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.bytedeco.opencv.global.opencv_imgcodecs.IMWRITE_JPEG_QUALITY;
import static org.bytedeco.opencv.global.opencv_imgcodecs.imencode;

/**
 * The frames of a written segment as JPEGs, in order, for rewriting it with better copies: an MJPEG segment's
 * packets are its JPEGs, copied out as they are; an H.264 segment's frames are decoded and encoded as JPEG
 * ({@value #QUALITY}).
 */
final class SegmentFrames {

    static final int QUALITY = 90;

    private SegmentFrames() {
    }

    static List<byte[]> jpegs(Path video, String codec) throws IOException {
        List<byte[]> jpegs = new ArrayList<>();
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(video.toFile())) {
            grabber.start();
            if (codec.equals("mjpeg")) {
                for (AVPacket packet = grabber.grabPacket(); packet != null; packet = grabber.grabPacket()) {
                    byte[] jpeg = new byte[packet.size()];
                    packet.data().capacity(packet.size()).get(jpeg);
                    jpegs.add(jpeg);
                }
            } else {
                try (OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
                     IntPointer params = new IntPointer(IMWRITE_JPEG_QUALITY, QUALITY)) {
                    for (Frame frame = grabber.grabImage(); frame != null; frame = grabber.grabImage()) {
                        Mat image = converter.convert(frame);
                        try (BytePointer buffer = new BytePointer()) {
                            if (!imencode(".jpg", image, buffer, params)) {
                                throw new IOException("cannot encode a frame of " + video + " as JPEG");
                            }
                            byte[] jpeg = new byte[(int) buffer.limit()];
                            buffer.get(jpeg);
                            jpegs.add(jpeg);
                        }
                    }
                }
            }
            grabber.stop();
        }
        return jpegs;
    }
}
