package io.sightline.capture;

import io.sightline.delivery.Ladder;
import io.sightline.delivery.LiveLane;
import io.sightline.wire.FrameMeta;
import org.apache.camel.ExchangeProperty;
import org.bytedeco.opencv.opencv_core.Mat;
import org.bytedeco.opencv.opencv_core.Size;

import static org.bytedeco.opencv.global.opencv_imgproc.INTER_AREA;
import static org.bytedeco.opencv.global.opencv_imgproc.resize;

/**
 * The live copy of a frame at a reduced rung of the ladder: scaled down (area averaging) and encoded at the rung's
 * JPEG quality, from the captured image - not from the full-quality JPEG, so nothing is decoded. Rung 0 is the
 * full-quality JPEG itself and is never encoded again.
 */
public class LiveEncoder {

    private final Ladder ladder;
    private final JpegEncoder[] encoders;
    private final Mat scaled = new Mat();

    public LiveEncoder(Ladder ladder) {
        this.ladder = ladder;
        this.encoders = new JpegEncoder[ladder.size()];
        for (int i = 1; i < ladder.size(); i++) {
            encoders[i] = new JpegEncoder(ladder.get(i).quality());
        }
    }

    /** Route step of {@code frames-queue}: the JPEG to send live for {@code plan}. */
    public synchronized byte[] encode(@ExchangeProperty("image") Mat image, @ExchangeProperty("jpeg") byte[] full,
                                      @ExchangeProperty("live") LiveLane.Plan plan) {
        if (plan.rung() == 0) {
            return full;
        }
        Ladder.Rung rung = ladder.get(plan.rung());
        Mat source = image;
        if (image.cols() != rung.width() || image.rows() != rung.height()) {
            resize(image, scaled, new Size(rung.width(), rung.height()), 0, 0, INTER_AREA);
            source = scaled;
        }
        return encoders[plan.rung()].encode(source);
    }

    /** Route step after a reduced copy is encoded: the frame's metadata with its boxes in the copy's pixels. */
    public FrameMeta scaledMeta(@ExchangeProperty("frame") FrameMeta frame, @ExchangeProperty("image") Mat image,
                                @ExchangeProperty("live") LiveLane.Plan plan) {
        Ladder.Rung rung = ladder.get(plan.rung());
        double sx = (double) rung.width() / image.cols();
        double sy = (double) rung.height() / image.rows();
        return frame.withDetections(frame.detections().stream().map(d -> d.scaled(sx, sy)).toList());
    }
}
