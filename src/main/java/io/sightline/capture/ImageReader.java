package io.sightline.capture;

import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.FrameGrabber;
import org.bytedeco.javacv.OpenCVFrameConverter;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;

import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_BGR24;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BILINEAR;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCachedContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;
import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;

/**
 * Reads a grabber's video frames into images of the caller's. An FFmpeg grabber hands out each picture as
 * decoded ({@link #decodedPictures}) and it is converted to BGR straight into the caller's image: one pass over
 * the pixels, where JavaCV's own conversion into its buffer and a copy out of it (the buffer is reused) took two.
 * swscale's fast converters write whole blocks of pixels (8 at a time on x86), so a width that is not a multiple
 * of {@value #BLOCK_PIXELS} is converted into a wider image and its frame-wide part copied out (JavaCV pads its
 * own buffer for the same reason). A webcam's frame is copied. Used by one thread at a time; {@link #close} frees
 * the converter.
 */
final class ImageReader implements AutoCloseable {

    static final int BLOCK_PIXELS = 16;

    private final FrameGrabber grabber;
    private final OpenCVFrameConverter.ToMat webcamFrames = new OpenCVFrameConverter.ToMat();
    // swscale takes four planes and strides; BGR has one
    private final PointerPointer<?> target = new PointerPointer<>(4);
    private final IntPointer targetStride = new IntPointer(0, 0, 0, 0);
    /** For a width that is not a multiple of {@link #BLOCK_PIXELS}: the padded image converted into. */
    private final Mat padded = new Mat();
    private SwsContext toBgr;

    ImageReader(FrameGrabber grabber) {
        this.grabber = grabber;
    }

    /** Before it starts: the grabber's pictures come as decoded, for {@link #read} to convert. */
    static void decodedPictures(FFmpegFrameGrabber grabber) {
        grabber.setImageMode(FrameGrabber.ImageMode.RAW);
    }

    /**
     * Reads the next video frame (an FFmpeg source may also carry audio) into {@code image}, which takes the
     * frame's size.
     *
     * @return the frame, for its timestamp (its pixels are the grabber's until the next read); null at the end
     */
    Frame read(Mat image) throws FrameGrabber.Exception {
        Frame frame = grabber instanceof FFmpegFrameGrabber ffmpeg ? ffmpeg.grabImage() : grabber.grab();
        if (frame == null) {
            return null;
        }
        if (frame.opaque instanceof AVFrame picture) {
            int width = picture.width();
            int height = picture.height();
            image.create(height, width, CV_8UC3);
            toBgr = sws_getCachedContext(toBgr, width, height, picture.format(), width, height, AV_PIX_FMT_BGR24,
                    SWS_BILINEAR, null, null, (DoublePointer) null);
            if (toBgr == null) {
                throw new FrameGrabber.Exception("FFmpeg cannot convert pixel format " + picture.format() + " to BGR");
            }
            boolean aligned = width % BLOCK_PIXELS == 0;
            Mat into = image;
            if (!aligned) {
                padded.create(height, (width / BLOCK_PIXELS + 1) * BLOCK_PIXELS, CV_8UC3);
                into = padded;
            }
            target.put(0, into.data());
            targetStride.put(0, (int) into.step());
            if (sws_scale(toBgr, picture.data(), picture.linesize(), 0, height, target, targetStride) != height) {
                throw new FrameGrabber.Exception("FFmpeg could not convert a " + width + "x" + height + " picture to BGR");
            }
            if (!aligned) {
                try (Rect frameWide = new Rect(0, 0, width, height); Mat part = new Mat(padded, frameWide)) {
                    part.copyTo(image);
                }
            }
        } else {
            webcamFrames.convert(frame).copyTo(image);
        }
        return frame;
    }

    @Override
    public void close() {
        if (toBgr != null) {
            sws_freeContext(toBgr);
            toBgr = null;
        }
        target.close();
        targetStride.close();
        padded.close();
    }
}
