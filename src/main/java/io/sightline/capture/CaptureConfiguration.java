package io.sightline.capture;

import io.sightline.config.Secrets;
import io.sightline.delivery.Ladder;
import io.sightline.monitor.HealthChecks;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.Detection;
import io.sightline.wire.DeviceKeys;
import io.sightline.wire.Ids;
import io.sightline.wire.MasterKeys;
import io.sightline.wire.SenderIdentity;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.spi.PropertiesFunction;

import java.util.function.Supplier;

/**
 * Sending roles: who this sender is, the frame source and the capture processor, JPEG encoding, event clips and
 * the source's readiness check; and the {@code capture-period-ns} placeholder function the capture scheduler uses
 * ({@code {{capture-period-ns:synthetic}}} is 50000000 at 20 fps): 10^9 / {@code sightline.capture.fps}
 * nanoseconds, or for a video file its own frame interval, so a file plays at its own rate.
 */
public class CaptureConfiguration implements CamelConfiguration {

    /**
     * A file that says it has this many frames per second or more is believed to report its container's time base
     * (e.g. 90000) rather than its rate: it is paced at {@code sightline.capture.fps} instead.
     */
    private static final double MAX_FILE_RATE = 1000;

    @PropertyInject("sightline.capture.fps")
    private double fps;
    @PropertyInject("sightline.capture.width")
    private int width;
    @PropertyInject("sightline.capture.height")
    private int height;

    /**
     * The device key from {@code SIGHTLINE_SECURITY_DEVICE_KEY} (or its file); in the demo, derived from the
     * receiver's master key in the same process.
     */
    @BindToRegistry(value = "senderIdentity", lazy = true)
    public SenderIdentity senderIdentity(CamelContext context, @PropertyInject("sightline.device-id") String configured) {
        String device = Ids.deviceId(configured);
        MasterKeys demo = context.getRegistry().lookupByNameAndType("masterKeys", MasterKeys.class);
        byte[] key = Secrets.read(context, "sightline.security.device-key")
                .map(k -> DeviceKeys.parse("sightline.security.device-key", k))
                .orElseGet(() -> {
                    if (demo == null) {
                        throw new IllegalArgumentException("A sender needs its device key: set SIGHTLINE_SECURITY_DEVICE_KEY"
                                + " (or sightline.security.device-key-file); see docs/security.md");
                    }
                    return demo.deviceKey(device);
                });
        return new SenderIdentity(device, Ids.newStreamId(), key);
    }

    @BindToRegistry(value = "captureProcessor", lazy = true, destroyMethod = "close")
    public CaptureProcessor captureProcessor(SenderIdentity identity, SightlineMetrics metrics,
                                             @PropertyInject("sightline.source") String source,
                                             @PropertyInject("sightline.source.loop") boolean loop,
                                             @PropertyInject("sightline.source.file-pace") String pace,
                                             @PropertyInject("sightline.segment.seconds") long segmentSeconds) {
        Supplier<FrameSource> sources = source.trim().equalsIgnoreCase("synthetic")
                ? () -> new SyntheticSource(width, height)
                : () -> new GrabberSource(source.trim(), loop, ownPace(pace), width, height, fps);
        SegmentPlanner planner = new SegmentPlanner(identity.stream(), segmentSeconds * 1000, framePeriodMillis(fps));
        return new CaptureProcessor(sources, identity.device(), identity.stream(), planner, width, height, metrics);
    }

    @BindToRegistry(value = "jpegEncoder", lazy = true)
    public JpegEncoder jpegEncoder(@PropertyInject("sightline.jpeg.quality") int quality, SenderIdentity identity,
                                   SightlineMetrics metrics) {
        return new JpegEncoder(quality, metrics.counter("frames.encoded", "device", identity.device()));
    }

    /** Reduced live copies, at the rungs of the ladder. */
    @BindToRegistry(value = "liveEncoder", lazy = true)
    public LiveEncoder liveEncoder(Ladder ladder) {
        return new LiveEncoder(ladder);
    }

    @BindToRegistry(value = "eventClips", lazy = true)
    public EventClips eventClips(@PropertyInject("sightline.stream.event-labels") String labels,
                                 @PropertyInject("sightline.stream.pre-roll-ms") long preRollMillis,
                                 @PropertyInject("sightline.stream.post-roll-ms") long postRollMillis,
                                 @PropertyInject("sightline.stream.pre-roll-max-bytes") long preRollMaxBytes,
                                 SenderIdentity identity, SightlineMetrics metrics) {
        return new EventClips(Detection.labels(labels), preRollMillis, postRollMillis, preRollMaxBytes, metrics,
                identity.device());
    }

    @Override
    public void configure(CamelContext context) {
        // bound now, not on first use: Camel looks for health checks at start
        CaptureProcessor capture = context.getRegistry().lookupByNameAndType("captureProcessor", CaptureProcessor.class);
        context.getRegistry().bind("health-source", HealthChecks.exposed(HealthChecks.source(capture::isOpen),
                context.getRegistry().lookupByNameAndType("metrics", SightlineMetrics.class)));
        context.getPropertiesComponent().addPropertiesFunction(new PropertiesFunction() {
            @Override
            public String getName() {
                return "capture-period-ns";
            }

            @Override
            public String apply(String source) {
                String location = source.trim();
                boolean ownPace = ownPace(context.resolvePropertyPlaceholders("{{sightline.source.file-pace}}"));
                double fileRate = ownPace && !location.equalsIgnoreCase("synthetic") && GrabberSource.isFile(location)
                        ? GrabberSource.fileFrameRate(location) : 0;
                double rate = fileRate > 0 && fileRate < MAX_FILE_RATE ? fileRate : Double.parseDouble(context.resolvePropertyPlaceholders(
                        "{{sightline.capture.fps}}").trim());
                return String.valueOf(framePeriodNanos(rate));
            }
        });
    }

    private static boolean ownPace(String pace) {
        return switch (pace.trim()) {
            case "file" -> true;
            case "capture" -> false;
            default -> throw new IllegalArgumentException("sightline.source.file-pace must be file or capture, was '" + pace + "'");
        };
    }

    /** Never slower than asked: a 30000/1001 fps file ticks every 33,366,666 ns. */
    static long framePeriodNanos(double framesPerSecond) {
        return Math.max(1, (long) Math.floor(1e9 / framesPerSecond));
    }

    static long framePeriodMillis(double framesPerSecond) {
        return Math.max(1, Math.round(1000 / framesPerSecond));
    }
}
