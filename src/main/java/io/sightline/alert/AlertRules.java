package io.sightline.alert;

import io.sightline.wire.Detection;

import java.util.List;
import java.util.Set;

/**
 * Which detections raise an alert ({@code sightline.alerts.*}): one of {@code labels} (empty: any label), at
 * least {@code minConfidence}, a box of at least {@code minBoxArea} square pixels. After an alert, a device
 * raises no other for {@code cooldownMillis} of capture time.
 */
public record AlertRules(Set<String> labels, double minConfidence, double minBoxArea, long cooldownMillis) {

    public AlertRules {
        labels = Set.copyOf(labels);
    }

    public List<Detection> matching(List<Detection> detections) {
        return detections.stream()
                .filter(d -> labels.isEmpty() || labels.contains(d.label()))
                .filter(d -> d.confidence() >= minConfidence && d.area() >= minBoxArea)
                .toList();
    }
}
