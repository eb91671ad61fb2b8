package io.sightline;

import io.sightline.auth.DeviceAuth;
import io.sightline.auth.DeviceRateLimit;
import io.sightline.auth.OperatorAuth;
import io.sightline.alert.AlertBook;
import io.sightline.alert.AlertRules;
import io.sightline.capture.CaptureProcessor;
import io.sightline.capture.EventClips;
import io.sightline.capture.FrameSource;
import io.sightline.capture.GrabberSource;
import io.sightline.capture.JpegEncoder;
import io.sightline.capture.SegmentPlanner;
import io.sightline.capture.SyntheticSource;
import io.sightline.command.DeviceCommands;
import io.sightline.compat.ClipImport;
import io.sightline.compat.CompatProtocol;
import io.sightline.command.SenderCommands;
import io.sightline.command.SenderState;
import io.sightline.detect.Detector;
import io.sightline.detect.CascadeDetector;
import io.sightline.detect.MotionDetector;
import io.sightline.detect.OnnxDetector;
import io.sightline.detect.PersonDetector;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.sightline.delivery.Delivery;
import io.sightline.delivery.Spool;
import io.sightline.live.LiveEvents;
import io.sightline.live.LiveHub;
import io.sightline.match.DatagramGuard;
import io.sightline.match.DatagramRejects;
import io.sightline.match.DetectionMatcher;
import io.sightline.monitor.HealthChecks;
import io.sightline.monitor.RepeatedWarnings;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.segment.FrameKeys;
import io.sightline.segment.FrameRecovery;
import io.sightline.segment.FrameStore;
import io.sightline.segment.H264Muxer;
import io.sightline.segment.MjpegCopyMuxer;
import io.sightline.segment.BrowserPlayback;
import io.sightline.segment.Retention;
import io.sightline.segment.SegmentLibrary;
import io.sightline.segment.SegmentAggregation;
import io.sightline.segment.SegmentWriter;
import io.sightline.segment.VideoMuxer;
import io.sightline.wire.DetectionDatagrams;
import io.sightline.wire.DeviceKeys;
import io.sightline.wire.ErrorResponse;
import io.sightline.wire.FrameHeaders;
import io.sightline.wire.Ids;
import io.sightline.wire.JpegCheck;
import io.sightline.wire.MasterKeys;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.health.HealthCheck;
import org.apache.camel.processor.aggregate.MemoryAggregationRepository;
import org.apache.camel.spi.Registry;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.HexFormat;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/** Creates the beans the routes call by name, from the {@code sightline.*} settings of the role. */
final class Wiring {

    private Wiring() {
    }

    /** The meter registry Camel exposes on /observe/metrics (Camel reuses the one bound under its name). */
    static SightlineMetrics bindCommon(Settings s, Registry registry) {
        registry.bind("frameHeaders", new FrameHeaders());
        PrometheusMeterRegistry meters = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.bind(MicrometerConstants.METRICS_REGISTRY_NAME, meters);
        SightlineMetrics metrics = new SightlineMetrics(meters);
        registry.bind("metrics", metrics);
        registry.bind("repeatedWarnings", new RepeatedWarnings(s.number("sightline.log.repeat-interval-ms", 10_000)));
        return metrics;
    }

    /**
     * The device key of this sender: {@code sightline.security.device-key} (or its {@code -file}); in the demo,
     * derived from the in-process master key.
     */
    static byte[] deviceKey(Settings s, String device, String demoMaster) {
        if (demoMaster != null) {
            return DeviceKeys.deviceKey(DeviceKeys.parse("master key", demoMaster), device);
        }
        return DeviceKeys.parse("sightline.security.device-key", secret(s, "sightline.security.device-key")
                .orElseThrow(() -> new IllegalArgumentException("A sender needs its device key: set "
                        + "SIGHTLINE_SECURITY_DEVICE_KEY (or sightline.security.device-key-file); see docs/security.md")));
    }

    /** A secret from the environment/system properties, or from the file named by {@code key + "-file"}. */
    static Optional<String> secret(Settings s, String key) {
        Optional<String> direct = s.optional(key);
        if (direct.isPresent()) {
            return direct;
        }
        return s.optional(key + "-file").map(file -> {
            try {
                return Files.readString(Path.of(file)).trim();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + key + "-file " + file, e);
            }
        });
    }

    static CaptureProcessor bindSender(Settings s, Registry registry, SightlineMetrics metrics, byte[] deviceKey) {
        String device = deviceId(s);
        String stream = newStreamId();
        double fps = s.decimal("sightline.capture.fps", 20);
        int width = s.integer("sightline.capture.width", 640);
        int height = s.integer("sightline.capture.height", 480);
        long interval = Math.round(1000 / fps);
        String source = s.text("sightline.source", "synthetic");
        boolean loop = s.flag("sightline.source.loop", true);
        Supplier<FrameSource> sources = source.equalsIgnoreCase("synthetic")
                ? () -> new SyntheticSource(width, height)
                : () -> new GrabberSource(source, loop, width, height, fps);
        SegmentPlanner planner = new SegmentPlanner(stream, s.integer("sightline.segment.seconds", 10) * 1000L, interval);
        CaptureProcessor capture = new CaptureProcessor(sources, device, stream, planner, width, height, metrics);
        registry.bind("captureProcessor", capture);
        registry.bind("detector", new Detector.Timed(detector(s), metrics.timer("detector.time", "device", device)));
        registry.bind("jpegEncoder", new JpegEncoder(s.integer("sightline.jpeg.quality", 80),
                metrics.counter("frames.encoded", "device", device)));
        Spool spool = new Spool(Path.of(s.text("sightline.spool.dir", "spool")),
                s.number("sightline.spool.max-bytes", 1L << 30), metrics, device);
        registry.bind("spool", spool);
        registry.bind("eventClips", new EventClips(labels(s, "sightline.stream.event-labels"),
                s.number("sightline.stream.pre-roll-ms", 3000), s.number("sightline.stream.post-roll-ms", 5000),
                s.number("sightline.stream.pre-roll-max-bytes", 64L << 20), metrics, device));
        SenderState state = new SenderState(metrics, device);
        registry.bind("senderState", state);
        int commandPort = s.integer("sightline.sender.command-port", 9601);
        DetectionDatagrams datagrams = new DetectionDatagrams(s.number("sightline.sender.heartbeat-ms", 1000),
                new DetectionDatagrams.Sender(device, stream, DeviceKeys.datagramKey(deviceKey), spool::frames,
                        state::state, commandPort), metrics.counter("datagrams.sent", "device", device),
                metrics.counter("bytes.sent", "device", device, "path", "udp"));
        registry.bind("detectionDatagrams", datagrams);
        registry.bind("senderCommands", new SenderCommands(device, stream, deviceKey,
                s.number("sightline.security.max-skew-ms", 120_000), System::currentTimeMillis, state, datagrams));
        registry.bind("datagramRejects", datagramRejects(registry, metrics));
        Delivery delivery = new Delivery(metrics, device, DeviceKeys.httpToken(device, deviceKey));
        registry.bind("delivery", delivery);
        registry.bind("receiverBreaker", receiverBreaker(s));
        long receiverTimeout = s.number("sightline.health.receiver-timeout-ms", 30_000);
        for (HealthCheck check : List.of(HealthChecks.source(capture::isOpen),
                HealthChecks.receiverReachable(delivery::lastAcknowledged, receiverTimeout))) {
            registry.bind("health-" + check.getId(), check);
            HealthChecks.expose(check, metrics);
        }
        return capture;
    }

    static LiveHub bindReceiver(Settings s, Registry registry, SightlineMetrics metrics, String master) {
        Path data = Path.of(s.text("sightline.data-dir", "data"));
        // without SIGHTLINE_OPERATOR_TOKEN nobody knows the token: operators log in with the start-up link
        OperatorAuth operators = new OperatorAuth(secret(s, "sightline.operator-token").orElseGet(DeviceKeys::random));
        registry.bind("operatorAuth", operators);
        MasterKeys masterKeys = masterKeys(s, master);
        registry.bind("deviceAuth", new DeviceAuth(masterKeys, operators, metrics));
        registry.bind("deviceRateLimit", new DeviceRateLimit(s.decimal("sightline.receiver.max-fps-per-device", 200)));
        registry.bind("datagramGuard", new DatagramGuard(masterKeys, s.number("sightline.security.max-skew-ms", 120_000),
                System::currentTimeMillis, metrics));
        DetectionMatcher matcher = new DetectionMatcher(metrics);
        DeviceCommands commands = new DeviceCommands(masterKeys,
                s.integer("sightline.command.attempts", 4), s.number("sightline.command.timeout-ms", 500), s.number("sightline.alerts.auto-resume-s", 30) * 1000, metrics);
        registry.bind("deviceCommands", commands);
        int maxViewers = s.integer("sightline.live.max-viewers", 16);
        LiveHub live = new LiveHub(matcher, commands::state, maxViewers);
        registry.bind("liveEvents", new LiveEvents(maxViewers));
        registry.bind("alertBook", new AlertBook(alertRules(s), data.resolve("alerts.jsonl"), metrics));
        registry.bind("segmentLibrary", new SegmentLibrary(data, new BrowserPlayback(metrics)));
        CompatProtocol compat = new CompatProtocol(addressMap(s.text("sightline.compat.devices", "")),
                s.integer("sightline.segment.seconds", 10) * 1000L, "compat-" + newStreamId(), System::currentTimeMillis);
        registry.bind("compatProtocol", compat);
        registry.bind("clipImport", new ClipImport(compat, data, metrics));
        registry.bind("detectionMatcher", matcher);
        registry.bind("datagramRejects", datagramRejects(registry, metrics));
        registry.bind("jpegCheck", new JpegCheck(s.number("sightline.frame.max-bytes", 8L << 20)));
        FrameStore store = new FrameStore(data, s.flag("sightline.storage.fsync", true), metrics);
        registry.bind("frameStore", store);
        registry.bind("frameRecovery", new FrameRecovery(store, data));
        registry.bind("frameKeys", new FrameKeys(data.resolve("frame-keys.log"),
                s.integer("sightline.receiver.idempotency-keys", 200_000)));
        registry.bind("liveHub", live);
        registry.bind("errorResponse", new ErrorResponse(metrics));
        registry.bind("segmentAggregation", new SegmentAggregation());
        registry.bind("segmentRepository", new MemoryAggregationRepository());
        registry.bind("segmentWriter", new SegmentWriter(data, store, muxer(s), matcher, metrics));
        registry.bind("retention", new Retention(data, Duration.ofHours(s.number("sightline.retention.max-age-hours", 24 * 30)),
                s.number("sightline.retention.max-bytes", 100L << 30), metrics));
        HealthCheck dataDir = HealthChecks.dataDir(data, s.number("sightline.health.min-free-bytes", 256L << 20));
        registry.bind("health-" + dataDir.getId(), dataDir);
        HealthChecks.expose(dataDir, metrics);
        return live;
    }

    /** The master key, and during a rotation the previous one with the end of its overlap (docs/security.md). */
    private static MasterKeys masterKeys(Settings s, String master) {
        Optional<String> previous = secret(s, "sightline.security.previous-master-key");
        if (previous.isEmpty()) {
            return MasterKeys.of(DeviceKeys.parse("master key", master));
        }
        String until = s.optional("sightline.security.previous-master-key-until").orElseThrow(() ->
                new IllegalArgumentException("A previous master key needs the end of its overlap: set "
                        + "sightline.security.previous-master-key-until (e.g. 2027-01-31T00:00:00Z); see docs/security.md"));
        Instant end;
        try {
            end = Instant.parse(until);
        } catch (java.time.format.DateTimeParseException e) {
            throw new IllegalArgumentException("sightline.security.previous-master-key-until: expected an instant such as "
                    + "2027-01-31T00:00:00Z, was '" + until + "'");
        }
        return new MasterKeys(DeviceKeys.parse("master key", master), DeviceKeys.parse("previous master key", previous.get()),
                end, System::currentTimeMillis);
    }

    private static AlertRules alertRules(Settings s) {
        return new AlertRules(labels(s, "sightline.alerts.labels"), s.decimal("sightline.alerts.min-confidence", 0.5),
                s.decimal("sightline.alerts.min-box-area", 0), s.number("sightline.alerts.cooldown-s", 60) * 1000);
    }

    /** {@code address=device,address=device}: the compat ingest's names for old senders. */
    private static Map<String, String> addressMap(String list) {
        Map<String, String> map = new HashMap<>();
        for (String entry : list.split(",")) {
            String[] pair = entry.trim().split("=", 2);
            if (pair.length == 2) {
                map.put(pair[0].trim(), Ids.require("device", pair[1].trim()));
            } else if (!entry.isBlank()) {
                throw new IllegalArgumentException("sightline.compat.devices: expected address=device, was '" + entry + "'");
            }
        }
        return map;
    }

    /** A comma-separated list of detection labels; empty: any label. */
    private static Set<String> labels(Settings s, String key) {
        return Arrays.stream(s.text(key, "").split(",")).map(String::trim).filter(l -> !l.isEmpty())
                .collect(Collectors.toSet());
    }

    private static DatagramRejects datagramRejects(Registry registry, SightlineMetrics metrics) {
        return new DatagramRejects(registry.lookupByNameAndType("repeatedWarnings", RepeatedWarnings.class), metrics);
    }

    /**
     * One breaker for the live and replay paths: when the receiver keeps failing, frames go straight to the
     * spool for a while instead of each waiting for a timeout.
     */
    private static CircuitBreaker receiverBreaker(Settings s) {
        return CircuitBreaker.of("receiver", CircuitBreakerConfig.custom()
                .slidingWindowSize(s.integer("sightline.sender.breaker.window", 20))
                .minimumNumberOfCalls(s.integer("sightline.sender.breaker.min-calls", 5))
                .failureRateThreshold(50)
                .waitDurationInOpenState(Duration.ofMillis(s.number("sightline.sender.breaker.open-ms", 2000)))
                .permittedNumberOfCallsInHalfOpenState(2)
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .build());
    }

    private static Detector detector(Settings s) {
        String name = s.text("sightline.detector", "motion");
        int max = s.integer("sightline.detector.max-detections", 32);
        return switch (name) {
            case "motion" -> new MotionDetector(
                    s.integer("sightline.detector.motion.work-width", 320),
                    s.decimal("sightline.detector.motion.min-area", 0.002), max);
            case "person" -> new PersonDetector(s.integer("sightline.detector.person.work-width", 400), max);
            case "cascade" -> new CascadeDetector(s.text("sightline.detector.cascade.file", ""),
                    s.text("sightline.detector.cascade.label", "face"),
                    s.integer("sightline.detector.cascade.work-width", 320),
                    s.integer("sightline.detector.cascade.min-neighbors", 4), max);
            case "onnx" -> new OnnxDetector(Path.of(s.optional("sightline.detector.onnx.model").orElseThrow(() ->
                    new IllegalArgumentException("sightline.detector=onnx needs sightline.detector.onnx.model"))),
                    s.optional("sightline.detector.onnx.names").map(Path::of).orElse(null),
                    s.integer("sightline.detector.onnx.input-size", 640),
                    new OnnxDetector.Thresholds(s.decimal("sightline.detector.onnx.confidence", 0.25),
                            s.decimal("sightline.detector.onnx.iou", 0.45), max));
            case "none" -> new Detector.None();
            default -> throw new IllegalArgumentException(
                    "sightline.detector must be motion, person, cascade, onnx or none, was '" + name + "'");
        };
    }

    private static VideoMuxer muxer(Settings s) {
        String codec = s.text("sightline.segment.codec", "copy");
        return switch (codec) {
            case "copy" -> new MjpegCopyMuxer();
            case "h264" -> new H264Muxer(s.integer("sightline.segment.h264-bitrate", 2_000_000));
            default -> throw new IllegalArgumentException("sightline.segment.codec must be copy or h264, was '" + codec + "'");
        };
    }

    /** {@code sightline.device-id}, or this machine's host name made into a valid id. */
    static String deviceId(Settings s) {
        String id = s.optional("sightline.device-id").orElseGet(() -> {
            try {
                return InetAddress.getLocalHost().getHostName();
            } catch (Exception e) {
                return "sightline";
            }
        });
        String cleaned = id.replaceAll("[^A-Za-z0-9_-]", "-");
        return Ids.require("device", cleaned.length() > 64 ? cleaned.substring(0, 64) : cleaned);
    }

    /** New at each start, so frame and datagram numbers of two runs never collide. Sorts by start time. */
    static String newStreamId() {
        byte[] random = new byte[2];
        new SecureRandom().nextBytes(random);
        return DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").format(ZonedDateTime.now(ZoneOffset.UTC))
                + "-" + HexFormat.of().formatHex(random);
    }
}
