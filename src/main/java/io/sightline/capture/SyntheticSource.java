package io.sightline.capture;

import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Point;
import org.bytedeco.opencv.opencv_core.Rect;
import org.bytedeco.opencv.opencv_core.Scalar;
import org.bytedeco.opencv.opencv_core.Size;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;

import static org.bytedeco.opencv.global.opencv_core.CV_8UC3;
import static org.bytedeco.opencv.global.opencv_imgproc.FONT_HERSHEY_SIMPLEX;
import static org.bytedeco.opencv.global.opencv_imgproc.LINE_AA;
import static org.bytedeco.opencv.global.opencv_imgproc.circle;
import static org.bytedeco.opencv.global.opencv_imgproc.ellipse;
import static org.bytedeco.opencv.global.opencv_imgproc.line;
import static org.bytedeco.opencv.global.opencv_imgproc.putText;
import static org.bytedeco.opencv.global.opencv_imgproc.rectangle;

/**
 * A generated scene for demos and tests: a static background, objects that move on fixed paths (so motion
 * detection fires), the frame number and capture time as text, and the frame number as a {@link FrameMarker}.
 */
public class SyntheticSource implements FrameSource {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS").withZone(ZoneOffset.UTC);

    private final int width;
    private final int height;
    private Mat background;
    private Mat frame;
    private long number;

    public SyntheticSource(int width, int height) {
        this.width = width;
        this.height = height;
    }

    @Override
    public void open() {
        background = new Mat(new Size(width, height), CV_8UC3, new Scalar(40, 32, 24, 0));
        Scalar gridColour = new Scalar(70, 60, 50, 0);
        for (int x = 0; x < width; x += 40) {
            line(background, new Point(x, 0), new Point(x, height), gridColour);
        }
        for (int y = 0; y < height; y += 40) {
            line(background, new Point(0, y), new Point(width, y), gridColour);
        }
        frame = new Mat();
        number = 0;
    }

    @Override
    public Mat grab() {
        background.copyTo(frame);
        long n = number++;
        drawObjects(n);
        double scale = Math.max(0.4, width / 1280.0);
        String text = "Sightline #" + n + "  " + TIME.format(Instant.now());
        putText(frame, text, new Point(10, (int) (30 * scale * 1.6)), FONT_HERSHEY_SIMPLEX, scale * 1.2,
                new Scalar(255, 255, 255, 0), Math.max(1, (int) (2 * scale)), LINE_AA, false);
        FrameMarker.stamp(frame, n);
        return frame;
    }

    /** Positions are functions of the frame number: the same number always draws the same scene. */
    private void drawObjects(long n) {
        List<int[]> boxes = objects(n, width, height);
        int[] c = boxes.get(0);
        circle(frame, new Point((c[0] + c[2]) / 2, (c[1] + c[3]) / 2), (c[2] - c[0]) / 2, new Scalar(40, 200, 255, 0), -1,
                LINE_AA, 0);
        int[] b = boxes.get(1);
        rectangle(frame, new Rect(b[0], b[1], b[2] - b[0], b[3] - b[1]), new Scalar(90, 220, 90, 0), -1, LINE_AA, 0);
        int[] e = boxes.get(2);
        ellipse(frame, new Point((e[0] + e[2]) / 2, (e[1] + e[3]) / 2), new Size((e[2] - e[0]) / 2, (e[3] - e[1]) / 2), 0,
                0, 360, new Scalar(200, 120, 220, 0), -1, LINE_AA, 0);
    }

    /**
     * Where the scene's three moving objects are in frame {@code n} (a ball, a box, an upright ellipse), as
     * {@code [x1, y1, x2, y2]}: the truth a motion detector is measured against.
     */
    public static List<int[]> objects(long n, int width, int height) {
        int band = height - height / 6; // well clear of the marker strip: a box reaching it would be drawn over it
        int r = Math.max(8, height / 14);
        int cx = bounce(n * 7, width - 2 * r) + r;
        int cy = bounce(n * 4 + 100, band - 2 * r) + r;
        int bw = width / 8;
        int bh = height / 10;
        int bx = bounce(n * 5 + 300, width - bw);
        int by = bounce(n * 3, band - bh);
        int px = bounce(n * 3 + 50, width - width / 10) + width / 20;
        int py = band / 2 + (int) (band / 4 * Math.sin(n / 15.0));
        int ax = width / 40 + 2;
        int ay = height / 9;
        return List.of(new int[] {cx - r, cy - r, cx + r, cy + r}, new int[] {bx, by, bx + bw, by + bh},
                new int[] {px - ax, py - ay, px + ax, py + ay});
    }

    private static int bounce(long travelled, int span) {
        if (span <= 0) {
            return 0;
        }
        long p = travelled % (2L * span);
        return (int) (p < span ? p : 2L * span - p);
    }

    @Override
    public String describe() {
        return "synthetic " + width + "x" + height;
    }

    @Override
    public void close() {
        if (background != null) {
            background.close();
            frame.close();
            background = null;
            frame = null;
        }
    }
}
