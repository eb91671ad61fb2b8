package io.sightline.capture;

import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;

import static org.bytedeco.opencv.global.opencv_core.mean;
import static org.bytedeco.opencv.global.opencv_imgproc.COLOR_BGR2GRAY;
import static org.bytedeco.opencv.global.opencv_imgproc.cvtColor;
import static org.bytedeco.opencv.global.opencv_imgproc.rectangle;

/**
 * A frame number drawn as a strip of black and white cells along the bottom edge, large enough to survive JPEG
 * and video compression. The synthetic source stamps every frame with it, so a frame can be recognised after a
 * round trip through the whole system (and tests compare markers, not counts).
 */
public final class FrameMarker {

    static final int BITS = 24;
    private static final int CELLS = BITS + 2; // a white and a black reference cell, then the bits

    private FrameMarker() {
    }

    private static int cell(Mat image) {
        return Math.max(4, image.cols() / CELLS);
    }

    public static void stamp(Mat image, long number) {
        int c = cell(image);
        int y = image.rows() - c;
        for (int i = 0; i < CELLS; i++) {
            boolean white = i == 0 || (i >= 2 && ((number >> (BITS - 1 - (i - 2))) & 1) == 1);
            double v = white ? 255 : 0;
            rectangle(image, new Rect(i * c, y, c, c), new Scalar(v, v, v, 0), -1, 8, 0);
        }
    }

    /** @return the stamped number, or -1 when the strip is not readable */
    public static long read(Mat image) {
        Mat gray = new Mat();
        try {
            if (image.channels() > 1) {
                cvtColor(image, gray, COLOR_BGR2GRAY);
            } else {
                image.copyTo(gray);
            }
            int c = cell(gray);
            int y = gray.rows() - c;
            double white = level(gray, 0, y, c);
            double black = level(gray, 1, y, c);
            if (white - black < 64) {
                return -1;
            }
            double threshold = (white + black) / 2;
            long n = 0;
            for (int i = 0; i < BITS; i++) {
                n = (n << 1) | (level(gray, i + 2, y, c) > threshold ? 1 : 0);
            }
            return n;
        } finally {
            gray.close();
        }
    }

    private static double level(Mat gray, int index, int y, int c) {
        int inset = c / 4;
        try (Mat roi = new Mat(gray, new Rect(index * c + inset, y + inset, c - 2 * inset, c - 2 * inset));
             Scalar m = mean(roi)) {
            return m.get(0);
        }
    }
}
