package io.sightline.detect;

import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * Detectors work on a downscaled grey copy of the frame (cost grows with pixels) and report boxes in frame
 * pixels: this is the shrinking and the mapping back.
 */
final class WorkImage {

    private WorkImage() {
    }

    /** Writes the frame, at most {@code workWidth} wide and in grey, to {@code gray}; returns the scale used. */
    static double grayAt(Mat image, int workWidth, Mat small, Mat gray) {
        return grayAt(image, workWidth, small, gray, INTER_AREA);
    }

    /**
     * As {@link #grayAt(Mat, int, Mat, Mat)} with another interpolation: {@code INTER_AREA} averages every pixel
     * (best for detectors of shapes), {@code INTER_LINEAR} samples a few (a tenth of the cost on a large frame;
     * enough where the image is blurred next anyway).
     */
    static double grayAt(Mat image, int workWidth, Mat small, Mat gray, int interpolation) {
        return grayScaled(image, Math.min(1.0, (double) workWidth / image.cols()), small, gray, interpolation);
    }

    /** The frame in grey at {@code scale} (above 1: enlarged, for a detector of a fixed smallest size). */
    static double grayScaled(Mat image, double scale, Mat small, Mat gray, int interpolation) {
        if (scale != 1.0) {
            resize(image, small, new Size((int) Math.round(image.cols() * scale), (int) Math.round(image.rows() * scale)),
                    0, 0, interpolation);
        } else {
            image.copyTo(small);
        }
        if (small.channels() > 1) {
            cvtColor(small, gray, COLOR_BGR2GRAY);
        } else {
            small.copyTo(gray);
        }
        return scale;
    }

    /** A box found at {@code scale} as {@code [x1, y1, x2, y2]} in frame pixels, inside the frame. */
    static int[] frameBox(double x, double y, double width, double height, double scale, Mat image) {
        return new int[] {
                clamp((int) Math.floor(x / scale), image.cols()),
                clamp((int) Math.floor(y / scale), image.rows()),
                clamp((int) Math.ceil((x + width) / scale), image.cols()),
                clamp((int) Math.ceil((y + height) / scale), image.rows())};
    }

    private static int clamp(int v, int max) {
        return Math.max(0, Math.min(max, v));
    }
}
