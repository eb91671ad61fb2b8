package io.sightline.segment;

import io.sightline.match.DetectionMatcher;
import io.sightline.monitor.SightlineMetrics;
import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.wire.Detection;
import io.sightline.wire.FrameMeta;
import io.sightline.wire.JpegCheck;
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
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Turns a completed {@link SegmentAssembly} into {@code segments/<device>/<yyyy-MM-dd>/<segment>.mkv} and its
 * {@code <segment>.json} sidecar, then releases the segment's frames from the incoming area. Both files are
 * written under a temporary name and renamed, so a reader never sees half a segment, and the frames are only
 * released once both are complete. The sidecar says of each frame whether it holds the full-quality copy or a
 * reduced live copy; when full-quality copies of reduced frames arrive later (the sender's archive lane), the
 * segment holding them is written again under the same name with the best copy of every frame. Other frames that
 * arrive after their segment was written form a {@code <segment>-lateN} companion. A segment's files are written
 * by one writer at a time ({@link SegmentLock}), so two segment writers of a cluster that both hold frames of a
 * segment (after a rebalance) leave each frame in it or a companion, once.
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

    public SegmentWriter(Path segmentsDir, FrameStore store, VideoMuxer muxer, DetectionMatcher matcher,
                         SightlineMetrics metrics) {
        this.segmentsDir = segmentsDir;
        this.store = store;
        this.muxer = muxer;
        this.matcher = matcher;
        this.metrics = metrics;
    }

    public Written write(@Body SegmentAssembly assembly,
                         @Header(Exchange.AGGREGATED_COMPLETED_BY) String completedBy) {
        List<FrameRef> frames = assembly.ordered();
        Path dir = segmentsDir.resolve(assembly.getDevice()).resolve(DAY.format(Instant.ofEpochMilli(frames.get(0).captureTime())));
        try (SegmentLock ignored = SegmentLock.take(dir, assembly.getSegment())) {
            Map<Long, Held> held = held(dir, assembly.getSegment());
            if (!held.isEmpty()) {
                frames = upgrade(assembly, dir, frames, held, completedBy);
            }
            Written written = frames.isEmpty() ? null : write(assembly, dir, freeName(dir, assembly.getSegment()), frames, completedBy);
            store.release(assembly.superseded());
            return written;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write segment " + assembly.getSegment(), e);
        }
    }

    /** Where a frame of a written segment is: which segment file, and whether it holds a reduced copy there. */
    private record Held(String name, boolean reduced) {
    }

    /** The frames already written for {@code segment}, in it or in its late companions. */
    private static Map<Long, Held> held(Path dir, String segment) throws IOException {
        Map<Long, Held> held = new HashMap<>();
        for (int n = 0; ; n++) {
            String name = n == 0 ? segment : segment + "-late" + n;
            Path sidecar = dir.resolve(name + ".json");
            if (!Files.exists(sidecar)) {
                return held;
            }
            for (JsonNode f : Json.MAPPER.readTree(sidecar.toFile()).path("frames")) {
                held.put(f.path("frame").asLong(), new Held(name, "reduced".equals(f.path("quality").asText())));
            }
        }
    }

    /**
     * Frames of a segment already written: full copies of frames it holds reduced are written into it (each
     * segment file that holds some, again, under its name), copies it already holds as well are released; what
     * is left are frames it never had.
     */
    private List<FrameRef> upgrade(SegmentAssembly assembly, Path dir, List<FrameRef> frames, Map<Long, Held> held,
                                   String completedBy) throws IOException {
        Map<String, List<FrameRef>> upgrades = new TreeMap<>();
        List<FrameRef> known = new ArrayList<>();
        List<FrameRef> late = new ArrayList<>();
        for (FrameRef f : frames) {
            Held h = held.get(f.frame());
            if (h == null) {
                late.add(f);
            } else if (h.reduced() && !f.reduced()) {
                upgrades.computeIfAbsent(h.name(), k -> new ArrayList<>()).add(f);
            } else {
                known.add(f);
            }
        }
        for (Map.Entry<String, List<FrameRef>> e : upgrades.entrySet()) {
            rewrite(assembly, dir, e.getKey(), e.getValue(), completedBy);
        }
        store.release(known);
        return late;
    }

    /** Segment file {@code name} again, with {@code better} in place of its reduced copies of those frames. */
    private void rewrite(SegmentAssembly assembly, Path dir, String name, List<FrameRef> better, String completedBy)
            throws IOException {
        JsonNode old = Json.MAPPER.readTree(dir.resolve(name + ".json").toFile());
        List<byte[]> jpegs = SegmentFrames.jpegs(dir.resolve(name + ".mkv"), old.path("codec").asText());
        JsonNode entries = old.path("frames");
        if (jpegs.size() != entries.size()) {
            throw new IOException("segment " + name + " holds " + jpegs.size() + " frames, its sidecar " + entries.size());
        }
        Map<Long, List<Detection>> detections = new HashMap<>();
        for (JsonNode d : old.path("detections")) {
            detections.computeIfAbsent(d.path("frame").asLong(), k -> new ArrayList<>()).add(new Detection(
                    d.path("label").asText(), d.path("confidence").asDouble(), Json.MAPPER.convertValue(d.path("box"), int[].class),
                    d.hasNonNull("from") ? d.path("from").asLong() : null, d.hasNonNull("origin") ? d.path("origin").asText() : null));
        }
        Map<Long, FrameRef> byNumber = new TreeMap<>();
        better.forEach(f -> byNumber.put(f.frame(), f));
        for (int i = 0; i < entries.size(); i++) {
            JsonNode e = entries.get(i);
            long number = e.path("frame").asLong();
            if (!byNumber.containsKey(number)) {
                FrameMeta meta = new FrameMeta(assembly.getDevice(), assembly.getStream(), number, e.path("captureTime").asLong(),
                        assembly.getSegment(), old.path("firstFrame").asLong(), false, detections.getOrDefault(number, List.of()));
                byNumber.put(number, store.keep(meta, jpegs.get(i), "reduced".equals(e.path("quality").asText())));
            }
        }
        write(assembly, dir, name, new ArrayList<>(byNumber.values()), completedBy);
        metrics.counter("segments.upgraded", "device", assembly.getDevice()).increment();
    }

    private Written write(SegmentAssembly assembly, Path dir, String name, List<FrameRef> frames, String completedBy) {
        long started = System.nanoTime();
        FrameRef first = frames.get(0);
        FrameRef last = frames.get(frames.size() - 1);
        // nominal frame interval: capture span over frame numbers spanned (missing frames do not stretch it)
        long interval = frames.size() > 1
                ? Math.max(1, Math.round((double) (last.captureTime() - first.captureTime()) / (last.frame() - first.frame())))
                : 50;
        long duration = last.captureTime() - first.captureTime() + interval;
        try {
            Files.createDirectories(dir);
            Path video = dir.resolve(name + ".mkv");
            Path sidecar = dir.resolve(name + ".json");

            Path videoTmp = dir.resolve(name + ".mkv.part");
            JpegCheck.Size size = pictureSize(frames);
            muxer.mux(frames, interval, size, videoTmp);
            Files.move(videoTmp, video, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

            Path sidecarTmp = dir.resolve(name + ".json.part");
            Files.write(sidecarTmp, Json.bytes(sidecar(assembly, name, frames, size, duration, completedBy)));
            Files.move(sidecarTmp, sidecar, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

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

    /** The segment's picture size: its largest frames' (full quality); reduced copies are scaled up to it. */
    private static JpegCheck.Size pictureSize(List<FrameRef> frames) {
        FrameRef largest = frames.stream().max(Comparator.comparingLong(f -> (long) f.width() * f.height())).orElseThrow();
        return new JpegCheck.Size(largest.width(), largest.height());
    }

    private Map<String, Object> sidecar(SegmentAssembly assembly, String name, List<FrameRef> frames, JpegCheck.Size size,
                                        long duration, String completedBy) {
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
            entry.put("quality", f.reduced() ? "reduced" : "full");
            if (!f.detections().isEmpty()) {
                entry.put("udp", matcher.datagramSeen(assembly.getDevice(), assembly.getStream(), f.frame()));
            }
            frameEntries.add(entry);
            double sx = (double) size.width() / f.width();
            double sy = (double) size.height() / f.height();
            for (Detection found : f.detections()) {
                Detection d = sx == 1 && sy == 1 ? found : found.scaled(sx, sy); // boxes in the segment's pixels
                Map<String, Object> det = new LinkedHashMap<>();
                det.put("frame", f.frame());
                det.put("captureTime", f.captureTime());
                det.put("label", d.label());
                det.put("confidence", d.confidence());
                det.put("box", d.box());
                if (d.from() != null) {
                    det.put("from", d.from());     // found in an earlier frame: the detector ran beside capture
                }
                if (d.origin() != null) {
                    det.put("origin", d.origin());
                }
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
        doc.put("width", size.width());
        doc.put("height", size.height());
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
