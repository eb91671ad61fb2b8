package io.sightline;

import io.sightline.capture.CaptureProcessor;
import io.sightline.capture.FrameSource;
import io.sightline.capture.GrabberSource;
import io.sightline.capture.JpegEncoder;
import io.sightline.capture.SegmentPlanner;
import io.sightline.capture.SyntheticSource;
import io.sightline.detect.Detector;
import io.sightline.detect.MotionDetector;
import io.sightline.live.LiveHub;
import io.sightline.match.DatagramRejects;
import io.sightline.match.DetectionMatcher;
import io.sightline.segment.FrameStore;
import io.sightline.segment.H264Muxer;
import io.sightline.segment.MjpegCopyMuxer;
import io.sightline.segment.SegmentAggregation;
import io.sightline.segment.SegmentWriter;
import io.sightline.segment.VideoMuxer;
import io.sightline.wire.DetectionDatagrams;
import io.sightline.wire.ErrorResponse;
import io.sightline.wire.FrameHeaders;
import io.sightline.wire.Ids;
import io.sightline.wire.JpegCheck;
import org.apache.camel.processor.aggregate.MemoryAggregationRepository;
import org.apache.camel.spi.Registry;

import java.net.InetAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.function.Supplier;

/** Creates the beans the routes call by name, from the {@code sightline.*} settings of the role. */
final class Wiring {

    private Wiring() {
    }

    static void bindCommon(Settings s, Registry registry) {
        registry.bind("frameHeaders", new FrameHeaders());
    }

    static CaptureProcessor bindSender(Settings s, Registry registry) {
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
        CaptureProcessor capture = new CaptureProcessor(sources, device, stream, planner, width, height);
        registry.bind("captureProcessor", capture);
        registry.bind("detector", detector(s));
        registry.bind("jpegEncoder", new JpegEncoder(s.integer("sightline.jpeg.quality", 80)));
        registry.bind("detectionDatagrams", new DetectionDatagrams(s.number("sightline.sender.heartbeat-ms", 1000)));
        return capture;
    }

    static LiveHub bindReceiver(Settings s, Registry registry) {
        Path data = Path.of(s.text("sightline.data-dir", "data"));
        DetectionMatcher matcher = new DetectionMatcher();
        LiveHub live = new LiveHub(matcher, s.integer("sightline.live.max-viewers", 16));
        registry.bind("detectionMatcher", matcher);
        registry.bind("datagramRejects", new DatagramRejects(s.number("sightline.receiver.reject-log-interval-ms", 10_000)));
        registry.bind("jpegCheck", new JpegCheck(s.number("sightline.frame.max-bytes", 8L << 20)));
        registry.bind("frameStore", new FrameStore(data, s.flag("sightline.storage.fsync", true)));
        registry.bind("liveHub", live);
        registry.bind("errorResponse", new ErrorResponse());
        registry.bind("segmentAggregation", new SegmentAggregation());
        registry.bind("segmentRepository", new MemoryAggregationRepository());
        registry.bind("segmentWriter", new SegmentWriter(data, muxer(s), matcher));
        return live;
    }

    private static Detector detector(Settings s) {
        String name = s.text("sightline.detector", "motion");
        return switch (name) {
            case "motion" -> new MotionDetector(
                    s.integer("sightline.detector.motion.work-width", 320),
                    s.decimal("sightline.detector.motion.min-area", 0.002),
                    s.integer("sightline.detector.max-detections", 32));
            case "none" -> new Detector.None();
            default -> throw new IllegalArgumentException("sightline.detector must be motion or none, was '" + name + "'");
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
