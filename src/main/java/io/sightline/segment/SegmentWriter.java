package io.sightline.segment;

import io.sightline.match.DetectionMatcher;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.Detection;
import io.sightline.wire.Json;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Turns a completed {@link SegmentAssembly} into {@code segments/<device>/<yyyy-MM-dd>/<segment>.mkv} and its
 * {@code <segment>.json} sidecar, then releases the segment's frames from the incoming area. Both files are
 * written under a temporary name and renamed, so a reader never sees half a segment, and the frames are only
 * released once both are complete.
 */
public class SegmentWriter {

    private static final Logger LOG = LoggerFactory.getLogger(SegmentWriter.class);
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);

    public record Written(String device, String segment, Path video, Path sidecar, int frames, long durationMillis,
                          long writeMillis) {
    }

    private final Path segmentsDir;
    private final FrameStore store;
    private final VideoMuxer muxer;
    private final DetectionMatcher matcher;

    private final SightlineMetrics metrics;

    public SegmentWriter(Path dataDir, FrameStore store, VideoMuxer muxer, DetectionMatcher matcher,
                         SightlineMetrics metrics) {
        this.segmentsDir = dataDir.resolve("segments");
        this.store = store;
        this.muxer = muxer;
        this.matcher = matcher;
        this.metrics = metrics;
    }

    public Written write(@Body SegmentAssembly assembly,
                         @Header(Exchange.AGGREGATED_COMPLETED_BY) String completedBy) {
        long started = System.nanoTime();
        List<FrameRef> frames = assembly.ordered();
        FrameRef first = frames.get(0);
        FrameRef last = frames.get(frames.size() - 1);
        // nominal frame interval: capture span over frame numbers spanned (missing frames do not stretch it)
        long interval = frames.size() > 1
                ? Math.max(1, Math.round((double) (last.captureTime() - first.captureTime()) / (last.frame() - first.frame())))
                : 50;
        long duration = last.captureTime() - first.captureTime() + interval;
        try {
            Path dir = segmentsDir.resolve(assembly.getDevice()).resolve(DAY.format(Instant.ofEpochMilli(first.captureTime())));
            Files.createDirectories(dir);
            String name = freeName(dir, assembly.getSegment());
            Path video = dir.resolve(name + ".mkv");
            Path sidecar = dir.resolve(name + ".json");

            Path videoTmp = dir.resolve(name + ".mkv.part");
            muxer.mux(frames, interval, videoTmp);
            Files.move(videoTmp, video, StandardCopyOption.ATOMIC_MOVE);

            Path sidecarTmp = dir.resolve(name + ".json.part");
            Files.write(sidecarTmp, Json.bytes(sidecar(assembly, name, frames, duration, completedBy)));
            Files.move(sidecarTmp, sidecar, StandardCopyOption.ATOMIC_MOVE);

            store.release(frames);
            long writeNanos = System.nanoTime() - started;
            long writeMillis = writeNanos / 1_000_000;
            metrics.counter("segments.written", "device", assembly.getDevice()).increment();
            metrics.timer("segment.write.duration", "device", assembly.getDevice())
                    .record(writeNanos, TimeUnit.NANOSECONDS);
            LOG.info("Segment {} of {}: {} frames, {} ms, completed by {}, written in {} ms",
                    name, assembly.getDevice(), frames.size(), duration, completedBy, writeMillis);
            return new Written(assembly.getDevice(), name, video, sidecar, frames.size(), duration, writeMillis);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write segment " + assembly.getSegment(), e);
        }
    }

    /** A segment that already exists got late frames: they become a companion segment beside it. */
    private static String freeName(Path dir, String segment) {
        String name = segment;
        for (int n = 1; Files.exists(dir.resolve(name + ".mkv")); n++) {
            name = segment + "-late" + n;
        }
        return name;
    }

    private Map<String, Object> sidecar(SegmentAssembly assembly, String name, List<FrameRef> frames, long duration,
                                        String completedBy) {
        List<Map<String, Object>> frameEntries = new ArrayList<>();
        List<Map<String, Object>> detections = new ArrayList<>();
        List<Long> missing = new ArrayList<>();
        long expected = frames.get(0).frame();
        for (FrameRef f : frames) {
            for (long gap = expected; gap < f.frame(); gap++) {
                missing.add(gap);
            }
            expected = f.frame() + 1;
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("frame", f.frame());
            entry.put("captureTime", f.captureTime());
            if (!f.detections().isEmpty()) {
                entry.put("udp", matcher.datagramSeen(assembly.getDevice(), assembly.getStream(), f.frame()));
            }
            frameEntries.add(entry);
            for (Detection d : f.detections()) {
                Map<String, Object> det = new LinkedHashMap<>();
                det.put("frame", f.frame());
                det.put("captureTime", f.captureTime());
                det.put("label", d.label());
                det.put("confidence", d.confidence());
                det.put("box", d.box());
                detections.add(det);
            }
        }
        FrameRef first = frames.get(0);
        FrameRef last = frames.get(frames.size() - 1);
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("device", assembly.getDevice());
        doc.put("stream", assembly.getStream());
        doc.put("segment", name);
        doc.put("video", name + ".mkv");
        doc.put("codec", muxer.codec());
        doc.put("width", first.width());
        doc.put("height", first.height());
        doc.put("firstCaptureTime", first.captureTime());
        doc.put("lastCaptureTime", last.captureTime());
        doc.put("durationMillis", duration);
        doc.put("frameCount", frames.size());
        doc.put("firstFrame", first.frame());
        doc.put("lastFrame", last.frame());
        doc.put("missingFrames", missing);
        doc.put("completedBy", completedBy);
        doc.put("frames", frameEntries);
        doc.put("detections", detections);
        return doc;
    }
}
