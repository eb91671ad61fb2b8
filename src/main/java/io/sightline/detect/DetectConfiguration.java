package io.sightline.detect;

import io.sightline.monitor.RepeatedWarnings;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.Detection;
import io.sightline.wire.SenderIdentity;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.PropertyInject;

import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The sender's detector ({@code sightline.detector}) on a thread of its own, and the receiver's
 * ({@code sightline.receiver.detector}) on a pool; each timed into {@code sightline_detector_time_seconds}.
 */
public class DetectConfiguration implements CamelConfiguration {

    @PropertyInject("sightline.detector.every")
    private int every;
    @PropertyInject("sightline.detector.wait-ms")
    private long waitMillis;
    @PropertyInject("sightline.detector.region")
    private String region;
    @PropertyInject("sightline.capture.width")
    private int width;
    @PropertyInject("sightline.capture.height")
    private int height;
    @PropertyInject("sightline.receiver.detector.devices")
    private String devices;
    @PropertyInject("sightline.receiver.detector.threads")
    private int threads;

    @PropertyInject("sightline.detector.max-detections")
    private int maxDetections;

    @PropertyInject("sightline.detector.motion.work-width")
    private int motionWidth;
    @PropertyInject("sightline.detector.motion.min-area")
    private double motionMinArea;
    @PropertyInject("sightline.detector.person.min-height")
    private int personHeight;
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

    @BindToRegistry(value = "senderDetection", lazy = true)
    public SenderDetection senderDetection(@PropertyInject("sightline.detector") String name, SenderIdentity identity,
                                           SightlineMetrics metrics, RepeatedWarnings warnings) {
        int[] inside = SenderDetection.region(region, width, height);
        if (name.trim().equals("none")) {
            return new SenderDetection(null, inside);
        }
        return new SenderDetection(runner(name, identity.device(), null, pool(1, "sightline-detector"), metrics, warnings),
                inside);
    }

    @BindToRegistry(value = "receiverDetection", lazy = true)
    public ReceiverDetection receiverDetection(@PropertyInject("sightline.receiver.detector") String name,
                                               SightlineMetrics metrics, RepeatedWarnings warnings) {
        boolean on = !name.trim().equals("none");
        if (on) {
            named(name.trim()); // a wrong name or a missing model fails the start, not the first frame
        }
        Set<String> chosen = Detection.labels(devices); // a comma-separated list, as labels are
        Executor pool = pool(Math.max(1, threads), "sightline-receiver-detector");
        return new ReceiverDetection(device -> on && (chosen.isEmpty() || chosen.contains(device)),
                device -> runner(name, device, Detection.RECEIVER, pool, metrics, warnings));
    }

    private DetectionRunner runner(String name, String device, String origin, Executor executor, SightlineMetrics metrics,
                                   RepeatedWarnings warnings) {
        String by = origin == null ? "sender" : origin;
        Detector timed = new Detector.Timed(named(name.trim()), metrics.timer("detector.time", "device", device, "origin", by));
        return new DetectionRunner(timed, executor, every, waitMillis, origin,
                metrics.counter("detector.reused", "device", device, "origin", by), warnings);
    }

    /**
     * Daemon threads that end after a few idle seconds: nothing to shut down when Camel stops (a lazy bean with
     * a destroy method would be made at stop just to be destroyed), and no thread left by a stopped context.
     */
    private static Executor pool(int threads, String name) {
        AtomicInteger n = new AtomicInteger();
        ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 5, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
        return pool;
    }

    private Detector named(String name) {
        return switch (name) {
            case "motion" -> new MotionDetector(motionWidth, motionMinArea, maxDetections);
            case "person" -> new PersonDetector(personHeight, maxDetections);
            case "cascade" -> new CascadeDetector(cascadeFile, cascadeLabel, cascadeWidth, cascadeNeighbors, maxDetections);
            case "onnx" -> {
                if (onnxModel.isBlank()) {
                    throw new IllegalArgumentException("sightline.detector=onnx needs sightline.detector.onnx.model");
                }
                yield new OnnxDetector(Path.of(onnxModel), onnxNames.isBlank() ? null : Path.of(onnxNames), onnxInputSize,
                        new OnnxDetector.Thresholds(onnxConfidence, onnxIou, maxDetections));
            }
            default -> throw new IllegalArgumentException(
                    "sightline.detector must be motion, person, cascade, onnx or none, was '" + name + "'");
        };
    }
}
