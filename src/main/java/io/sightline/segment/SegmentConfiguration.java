package io.sightline.segment;

import io.sightline.match.DetectionMatcher;
import io.sightline.monitor.HealthChecks;
import io.sightline.index.RecordingIndex;
import io.sightline.monitor.SightlineMetrics;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.PropertyInject;
import org.apache.camel.CamelContext;
import org.apache.camel.processor.aggregate.MemoryAggregationRepository;
import org.apache.camel.support.LifecycleStrategySupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Receiving roles: frames stored before they are acknowledged, their keys (idempotency), recovery after a crash,
 * the Aggregator's pieces, the segment writer and its muxer, the segment library, retention, and the data
 * directory's readiness check.
 */
public class SegmentConfiguration implements CamelConfiguration {

    @PropertyInject("sightline.data-dir")
    private String dataDir;

    @PropertyInject("sightline.segments-dir")
    private String segmentsDir;

    private Path data() {
        return Path.of(dataDir);
    }

    private Path segments() {
        return Path.of(segmentsDir);
    }

    /**
     * On the local bus the durable store of every acknowledged frame. On the Kafka bus only a segment writer's
     * scratch area: Kafka holds each frame until its segment is written, so frames left here by an earlier run
     * are read from Kafka again and the area is emptied at start, and nothing is synced.
     */
    @BindToRegistry(value = "frameStore", lazy = true)
    public FrameStore frameStore(@PropertyInject("sightline.storage.fsync") boolean fsync,
                                 @PropertyInject("sightline.bus") String bus, SightlineMetrics metrics) throws IOException {
        boolean scratch = bus.trim().equals("kafka");
        FrameStore store = new FrameStore(data(), fsync && !scratch, metrics);
        if (scratch) {
            store.discardAll();
        }
        made = store;
        return store;
    }

    @BindToRegistry(value = "frameRecovery", lazy = true)
    public FrameRecovery frameRecovery(FrameStore store) {
        return new FrameRecovery(store, segments());
    }

    /** Kept in {@code data/frame-keys.log} across restarts. */
    @BindToRegistry(value = "frameKeys", lazy = true)
    public FrameKeys frameKeys(@PropertyInject("sightline.receiver.idempotency-keys") int capacity) {
        return new FrameKeys(data().resolve("frame-keys.log"), capacity);
    }

    @BindToRegistry(value = "segmentAggregation", lazy = true)
    public SegmentAggregation segmentAggregation() {
        return new SegmentAggregation();
    }

    /** References to stored frames only, never images: memory does not grow with a segment's length. */
    @BindToRegistry(value = "segmentRepository", lazy = true)
    public MemoryAggregationRepository segmentRepository() {
        return new MemoryAggregationRepository();
    }

    @BindToRegistry(value = "segmentWriter", lazy = true)
    public SegmentWriter segmentWriter(FrameStore store, DetectionMatcher matcher, SightlineMetrics metrics,
                                       @PropertyInject("sightline.segment.codec") String codec,
                                       @PropertyInject("sightline.segment.h264-bitrate") int h264Bitrate) {
        VideoMuxer muxer = switch (codec.trim()) {
            case "copy" -> new MjpegCopyMuxer();
            case "h264" -> new H264Muxer(h264Bitrate);
            default -> throw new IllegalArgumentException("sightline.segment.codec must be copy or h264, was '" + codec + "'");
        };
        return new SegmentWriter(segments(), store, muxer, matcher, metrics);
    }

    @BindToRegistry(value = "segmentLibrary", lazy = true)
    public SegmentLibrary segmentLibrary() {
        return new SegmentLibrary(segments());
    }

    @BindToRegistry(value = "thumbnails", lazy = true)
    public Thumbnails thumbnails(RecordingIndex index) {
        return new Thumbnails(index);
    }

    @BindToRegistry(value = "spanPlayback", lazy = true)
    public SpanPlayback spanPlayback(RecordingIndex index, @PropertyInject("sightline.data-dir") String dataDir,
                                     @PropertyInject("sightline.playback.max-span-s") long maxSpanSeconds,
                                     @PropertyInject("sightline.playback.cache-mb") long cacheMegabytes,
                                     @PropertyInject("sightline.playback.bitrate") int bitrate, SightlineMetrics metrics) {
        return new SpanPlayback(index, Path.of(dataDir, "playback"), maxSpanSeconds * 1000, cacheMegabytes << 20,
                bitrate, metrics);
    }

    @BindToRegistry(value = "retention", lazy = true)
    public Retention retention(@PropertyInject("sightline.retention.max-age-hours") long maxAgeHours,
                               @PropertyInject("sightline.retention.max-bytes") long maxBytes,
                               @PropertyInject("sightline.retention.min-free-percent") double minFreePercent,
                               SightlineMetrics metrics) {
        return new Retention(segments(), Duration.ofHours(maxAgeHours), maxBytes, minFreePercent, metrics);
    }

    @PropertyInject("sightline.health.min-free-bytes")
    private long minFreeBytes;

    /** The frame store once a route used it (a part that never stores has none to close). */
    private volatile FrameStore made;

    @Override
    public void configure(CamelContext context) {
        // bound now, not on first use: Camel looks for health checks at start
        context.getRegistry().bind("health-data-dir", HealthChecks.exposed(HealthChecks.dataDir(data(), minFreeBytes),
                context.getRegistry().lookupByNameAndType("metrics", SightlineMetrics.class)));
        context.addLifecycleStrategy(LifecycleStrategySupport.adapt(LifecycleStrategySupport.onCamelContextStopped(stopped -> {
            if (made != null) {
                try {
                    made.close(); // its frames stay on disk for recovery
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot close the frame store", e);
                }
            }
        })));
    }
}
