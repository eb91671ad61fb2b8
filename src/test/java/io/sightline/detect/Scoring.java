package io.sightline.detect;

import io.sightline.wire.Detection;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Scores a detector's boxes against boxes labelled by hand (or drawn by the synthetic scene): recall (truths
 * found), precision (boxes that found something) and false boxes per frame, summed over frames.
 */
final class Scoring {

    int frames;
    int truths;
    int found;
    int boxes;
    int falseBoxes;

    double recall() {
        return truths == 0 ? 0 : (double) found / truths;
    }

    double precision() {
        return boxes == 0 ? 1 : (double) (boxes - falseBoxes) / boxes;
    }

    double falsePerFrame() {
        return frames == 0 ? 0 : (double) falseBoxes / frames;
    }

    @Override
    public String toString() {
        return String.format("recall %.2f (%d/%d), precision %.2f, false boxes/frame %.2f over %d frames", recall(), found,
                truths, precision(), falsePerFrame(), frames);
    }

    /**
     * Object detection (one box per object): each truth matches at most one box and a box at most one truth,
     * at intersection-over-union {@code minIou} or more, the most confident boxes first. {@code counted} truths
     * make the recall; the others (too small, mostly hidden) and {@code ignored} regions neither count as
     * misses nor make a box that finds them false.
     */
    void matchObjects(List<int[]> counted, List<int[]> other, List<int[]> ignored, List<Detection> detections,
                      double minIou) {
        frames++;
        truths += counted.size();
        List<Detection> byConfidence = new ArrayList<>(detections);
        byConfidence.sort(Comparator.comparingDouble(Detection::confidence).reversed());
        boolean[] taken = new boolean[counted.size()];
        for (Detection d : byConfidence) {
            int best = -1;
            double bestIou = minIou;
            for (int i = 0; i < counted.size(); i++) {
                double v = iou(counted.get(i), d.box());
                if (!taken[i] && v >= bestIou) {
                    best = i;
                    bestIou = v;
                }
            }
            if (best >= 0) {
                taken[best] = true;
                found++;
                boxes++;
            } else if (other.stream().noneMatch(t -> iou(t, d.box()) >= minIou)
                    && ignored.stream().noneMatch(r -> covered(d.box(), r) >= 0.5)) {
                boxes++;
                falseBoxes++;
            }
        }
    }

    /**
     * Motion (a box may hold several objects, and a moving object's box is loose): a truth is found when boxes
     * cover at least half of it; a box is false when it covers nothing of {@code anything} (the truths and what
     * else is known to be there).
     */
    void matchRegions(List<int[]> truthBoxes, List<int[]> anything, List<Detection> detections) {
        frames++;
        truths += truthBoxes.size();
        for (int[] t : truthBoxes) {
            if (detections.stream().mapToDouble(d -> covered(t, d.box())).sum() >= 0.5) {
                found++;
            }
        }
        for (Detection d : detections) {
            boxes++;
            if (anything.stream().noneMatch(t -> covered(t, d.box()) > 0)) {
                falseBoxes++;
            }
        }
    }

    static double iou(int[] a, int[] b) {
        double inter = intersection(a, b);
        return inter / (area(a) + area(b) - inter);
    }

    /** The share of {@code inner}'s area inside {@code outer}. */
    static double covered(int[] inner, int[] outer) {
        return area(inner) == 0 ? 0 : intersection(inner, outer) / area(inner);
    }

    private static double intersection(int[] a, int[] b) {
        double w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
        double h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
        return w > 0 && h > 0 ? w * h : 0;
    }

    private static double area(int[] b) {
        return (double) Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
    }
}
