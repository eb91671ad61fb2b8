package io.sightline.wire;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.Arrays;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One detected object: a label, a confidence in [0,1] and a box {@code [x1, y1, x2, y2]} in frame pixels.
 * A detector that runs beside capture may finish after its frame has gone: its detections then travel with later
 * frames and say which frame they were found in ({@code from}; absent: this one). {@code origin} is absent for
 * the sender's own detector and {@value #RECEIVER} for detections the receiver added.
 */
public record Detection(String label, double confidence, int[] box,
                        @JsonInclude(JsonInclude.Include.NON_NULL) Long from,
                        @JsonInclude(JsonInclude.Include.NON_NULL) String origin) {

    /** {@link #origin()} of detections made by the receiver's own detector. */
    public static final String RECEIVER = "receiver";

    public Detection {
        box = box == null ? null : box.clone();
    }

    /** A detection found in the frame it travels with, by the sender. */
    public Detection(String label, double confidence, int[] box) {
        this(label, confidence, box, null, null);
    }

    /** A comma-separated list of labels (an alert rule's, an event's); empty: any label. */
    public static Set<String> labels(String commaSeparated) {
        return Arrays.stream(commaSeparated.split(",")).map(String::trim).filter(l -> !l.isEmpty()).collect(Collectors.toSet());
    }

    /** The same detection in a copy of the frame scaled by {@code sx} across and {@code sy} down. */
    public Detection scaled(double sx, double sy) {
        return new Detection(label, confidence, new int[] {(int) Math.round(box[0] * sx), (int) Math.round(box[1] * sy),
                (int) Math.round(box[2] * sx), (int) Math.round(box[3] * sy)}, from, origin);
    }

    /** The same detection with its box cut to a {@code width}×{@code height} frame. */
    public Detection inside(int width, int height) {
        int[] b = {Math.max(0, Math.min(width, box[0])), Math.max(0, Math.min(height, box[1])),
                Math.max(0, Math.min(width, box[2])), Math.max(0, Math.min(height, box[3]))};
        return java.util.Arrays.equals(b, box) ? this : new Detection(label, confidence, b, from, origin);
    }

    /** The same detection moved by {@code dx, dy} pixels (found in a region of the frame). */
    public Detection shifted(int dx, int dy) {
        return new Detection(label, confidence, new int[] {box[0] + dx, box[1] + dy, box[2] + dx, box[3] + dy}, from, origin);
    }

    /** The same detection, found in frame {@code frame} (null: the one it travels with), made by {@code by} (null: the sender). */
    public Detection foundIn(Long frame, String by) {
        return new Detection(label, confidence, box, frame, by);
    }

    public double area() {
        return (double) Math.max(0, box[2] - box[0]) * Math.max(0, box[3] - box[1]);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Detection d && d.label.equals(label) && d.confidence == confidence && Arrays.equals(d.box, box)
                && Objects.equals(d.from, from) && Objects.equals(d.origin, origin);
    }

    @Override
    public int hashCode() {
        return 31 * label.hashCode() + Arrays.hashCode(box);
    }

    @Override
    public String toString() {
        return label + "(" + confidence + ")" + Arrays.toString(box) + (from == null ? "" : " from " + from)
                + (origin == null ? "" : " by " + origin);
    }
}
