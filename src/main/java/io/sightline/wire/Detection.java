package io.sightline.wire;

import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One detected object: a label, a confidence in [0,1] and a box {@code [x1, y1, x2, y2]} in frame pixels.
 */
public record Detection(String label, double confidence, int[] box) {

    public Detection {
        box = box == null ? null : box.clone();
    }

    /** A comma-separated list of labels (an alert rule's, an event's); empty: any label. */
    public static Set<String> labels(String commaSeparated) {
        return Arrays.stream(commaSeparated.split(",")).map(String::trim).filter(l -> !l.isEmpty()).collect(Collectors.toSet());
    }

    /** The same detection in a copy of the frame scaled by {@code sx} across and {@code sy} down. */
    public Detection scaled(double sx, double sy) {
        return new Detection(label, confidence, new int[] {(int) Math.round(box[0] * sx), (int) Math.round(box[1] * sy),
                (int) Math.round(box[2] * sx), (int) Math.round(box[3] * sy)});
    }

    public double area() {
        return (double) Math.max(0, box[2] - box[0]) * Math.max(0, box[3] - box[1]);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Detection d && d.label.equals(label) && d.confidence == confidence && Arrays.equals(d.box, box);
    }

    @Override
    public int hashCode() {
        return 31 * label.hashCode() + Arrays.hashCode(box);
    }

    @Override
    public String toString() {
        return label + "(" + confidence + ")" + Arrays.toString(box);
    }
}
