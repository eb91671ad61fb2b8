package io.sightline.detect;

import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.SenderIdentity;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.PropertyInject;

import java.nio.file.Path;

/** Sending roles: the detector of {@code sightline.detector}, timed into {@code sightline_detector_time_seconds}. */
public class DetectConfiguration implements CamelConfiguration {

    @PropertyInject("sightline.detector.max-detections")
    private int maxDetections;

    @PropertyInject("sightline.detector.motion.work-width")
    private int motionWidth;
    @PropertyInject("sightline.detector.motion.min-area")
    private double motionMinArea;
    @PropertyInject("sightline.detector.person.work-width")
    private int personWidth;
    @PropertyInject("sightline.detector.cascade.file")
    private String cascadeFile;
    @PropertyInject("sightline.detector.cascade.label")
    private String cascadeLabel;
    @PropertyInject("sightline.detector.cascade.work-width")
    private int cascadeWidth;
    @PropertyInject("sightline.detector.cascade.min-neighbors")
    private int cascadeNeighbors;
    @PropertyInject("sightline.detector.onnx.model")
    private String onnxModel;
    @PropertyInject("sightline.detector.onnx.names")
    private String onnxNames;
    @PropertyInject("sightline.detector.onnx.input-size")
    private int onnxInputSize;
    @PropertyInject("sightline.detector.onnx.confidence")
    private double onnxConfidence;
    @PropertyInject("sightline.detector.onnx.iou")
    private double onnxIou;

    @BindToRegistry(value = "detector", lazy = true)
    public Detector detector(@PropertyInject("sightline.detector") String name, SenderIdentity identity,
                             SightlineMetrics metrics) {
        return new Detector.Timed(named(name.trim()), metrics.timer("detector.time", "device", identity.device()));
    }

    private Detector named(String name) {
        return switch (name) {
            case "motion" -> new MotionDetector(motionWidth, motionMinArea, maxDetections);
            case "person" -> new PersonDetector(personWidth, maxDetections);
            case "cascade" -> new CascadeDetector(cascadeFile, cascadeLabel, cascadeWidth, cascadeNeighbors, maxDetections);
            case "onnx" -> {
                if (onnxModel.isBlank()) {
                    throw new IllegalArgumentException("sightline.detector=onnx needs sightline.detector.onnx.model");
                }
                yield new OnnxDetector(Path.of(onnxModel), onnxNames.isBlank() ? null : Path.of(onnxNames), onnxInputSize,
                        new OnnxDetector.Thresholds(onnxConfidence, onnxIou, maxDetections));
            }
            case "none" -> new Detector.None();
            default -> throw new IllegalArgumentException(
                    "sightline.detector must be motion, person, cascade, onnx or none, was '" + name + "'");
        };
    }
}
