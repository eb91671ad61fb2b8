package io.sightline.segment;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.FrameHeaders;
import io.sightline.wire.FrameMeta;
import io.sightline.wire.Json;
import io.sightline.wire.JpegCheck;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Puts an accepted frame on disk before the receiver answers: appended with its metadata to the log of its
 * segment, {@code incoming/<device>/<stream>/<segment>/frames.log} (see {@link FrameLog}), and synced. Ids were
 * validated, so these paths cannot leave the data directory. When a segment has been written its frames are
 * {@link #release released}, and a log whose frames are all written is deleted.
 */
public class FrameStore {

    private final Path incoming;
    private final boolean fsync;
    /** The open log of every segment with frames not yet written (bounded by the segments in progress). */
    private final Map<Path, FrameLog> logs = new HashMap<>();

    private final SightlineMetrics metrics;

    public FrameStore(Path dataDir, boolean fsync, SightlineMetrics metrics) {
        this.incoming = dataDir.resolve("incoming");
        this.fsync = fsync;
        this.metrics = metrics;
    }

    public Path incoming() {
        return incoming;
    }

    public Path segmentDir(FrameMeta meta) {
        return incoming.resolve(meta.device()).resolve(meta.stream()).resolve(meta.segment());
    }

    /** Route step of {@code ingest}: the JPEG and its metadata on disk (synced); where it is, for its segment. */
    public FrameRef store(@Body byte[] jpeg, @ExchangeProperty("frame") FrameMeta meta,
                          @ExchangeProperty("jpegSize") JpegCheck.Size size, @ExchangeProperty("quality") String quality) {
        FrameRef ref;
        try {
            FrameLog.Appended appended = append(segmentDir(meta), meta, size.width(), size.height(), jpeg,
                    FrameHeaders.REDUCED.equals(quality));
            if (fsync) {
                appended.sync();
            }
            ref = appended.ref();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store frame " + meta.frame() + " of " + meta.segmentKey(), e);
        }
        return ref;
    }

    /**
     * A frame of a written segment that is being rewritten with better copies of some of its frames: back into the
     * segment's log (synced), so the rewrite takes every frame from one place, and a crash during it loses nothing.
     */
    FrameRef keep(FrameMeta meta, byte[] jpeg, boolean reduced) throws IOException {
        JpegCheck.Size size = JpegCheck.inspect(jpeg, Long.MAX_VALUE);
        FrameLog.Appended appended = append(segmentDir(meta), meta, size.width(), size.height(), jpeg, reduced);
        appended.sync();
        return appended.ref();
    }

    /**
     * After a segment is written: its frames are done (and copies of them it did not need); a log with no records
     * left is deleted.
     */
    public void release(List<FrameRef> frames) throws IOException {
        Map<String, List<Long>> byLog = new LinkedHashMap<>();
        frames.forEach(f -> byLog.computeIfAbsent(f.log(), k -> new ArrayList<>()).add(f.offset()));
        for (Map.Entry<String, List<Long>> e : byLog.entrySet()) {
            Path dir = Path.of(e.getKey()).getParent();
            if (!Files.exists(dir.resolve(FrameLog.FILE))) {
                continue;
            }
            FrameLog log = log(dir);
            if (log.release(e.getValue())) {
                forget(dir, log);
            }
        }
    }

    private FrameLog.Appended append(Path dir, FrameMeta meta, int width, int height, byte[] jpeg, boolean reduced)
            throws IOException {
        while (true) {
            FrameLog log = log(dir);
            FrameLog.Appended appended = log.append(meta, width, height, jpeg, reduced);
            if (appended != null) {
                return appended;
            }
            forget(dir, log); // its segment was just completed and the log deleted: a late frame starts a new one
        }
    }

    /**
     * Frames stored by a version before frame logs (a JPEG file per frame beside {@code frames.jsonl}) move into
     * the segment's log, synced, before their files are deleted; returned for recovery.
     */
    List<FrameLog.Entry> adoptLegacy(Path dir) throws IOException {
        Path metadata = dir.resolve(FrameRecovery.LEGACY_METADATA);
        if (!Files.exists(metadata)) {
            return List.of();
        }
        List<FrameLog.Entry> adopted = new ArrayList<>();
        FrameLog.Appended last = null;
        for (String line : Files.readAllLines(metadata, StandardCharsets.UTF_8)) {
            FrameMeta meta;
            JsonNode node;
            try {
                node = Json.MAPPER.readTree(line);
                meta = Json.MAPPER.treeToValue(node.get("meta"), FrameMeta.class);
            } catch (IOException | IllegalArgumentException e) {
                continue; // a line cut short by a crash: its frame was never acknowledged
            }
            Path jpeg = meta == null ? null : dir.resolve(String.format("%010d.jpg", meta.frame()));
            if (jpeg != null && Files.exists(jpeg)) {
                last = append(dir, meta, node.path("width").asInt(), node.path("height").asInt(), Files.readAllBytes(jpeg), false);
                adopted.add(new FrameLog.Entry(meta, last.ref()));
            }
        }
        if (last != null) {
            last.sync();
        }
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.getFileName().toString().matches("\\d{10}\\.jpg(\\.tmp)?")).toList()) {
                Files.delete(f);
            }
        }
        Files.delete(metadata);
        return adopted;
    }

    /** Empties the incoming area (a segment writer's scratch area on the Kafka bus, at start). */
    void discardAll() throws IOException {
        if (!Files.exists(incoming)) {
            return;
        }
        try (Stream<Path> files = Files.walk(incoming)) {
            for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

    /** Frames a log held when this process first opened it (after a restart), not yet written; each only once. */
    List<FrameLog.Entry> recover(Path dir) throws IOException {
        return log(dir).takeRecovered();
    }

    private synchronized FrameLog log(Path dir) throws IOException {
        FrameLog log = logs.get(dir);
        if (log == null) {
            log = FrameLog.open(incoming, dir, fsync);
            logs.put(dir, log);
        }
        return log;
    }

    private synchronized void forget(Path dir, FrameLog log) {
        logs.remove(dir, log);
    }

    /** Closes the open logs (their frames stay on disk for recovery). */
    public synchronized void close() throws IOException {
        for (FrameLog log : logs.values()) {
            log.close();
        }
        logs.clear();
    }

    /** Route step of {@code frames-in} for a frame stored before: counted, not stored again. */
    public void duplicate(@ExchangeProperty("frame") FrameMeta meta) {
        metrics.counter("frames.duplicate", "device", meta.device()).increment();
    }

}
