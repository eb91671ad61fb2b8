package io.sightline.segment;

import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.FrameHeaders;
import io.sightline.wire.FrameMeta;
import io.sightline.wire.Json;
import io.sightline.wire.JpegCheck;
import org.apache.camel.Exchange;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Puts an accepted frame on disk before the receiver answers: the JPEG as
 * {@code incoming/<device>/<stream>/<segment>/<frame>.jpg} and its metadata as one line of
 * {@code frames.jsonl} in the same directory (what recovery reads after a crash). Ids were validated, so these
 * paths cannot leave the data directory.
 */
public class FrameStore {

    /** Exchange property with the {@link FrameRef} of the stored frame. */
    public static final String FRAME_REF_PROPERTY = "sightlineFrameRef";
    /** Exchange property the Aggregator correlates on. */
    public static final String SEGMENT_KEY_PROPERTY = "sightlineSegmentKey";
    public static final String METADATA_FILE = "frames.jsonl";


    private final Path incoming;
    private final boolean fsync;
    private final SegmentSync.Registry syncs = new SegmentSync.Registry();

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

    public void store(Exchange exchange) {
        FrameMeta meta = exchange.getProperty(FrameHeaders.FRAME_PROPERTY, FrameMeta.class);
        byte[] jpeg = exchange.getMessage().getBody(byte[].class);
        JpegCheck.Size size = exchange.getProperty(JpegCheck.SIZE_PROPERTY, JpegCheck.Size.class);
        Path dir = segmentDir(meta);
        Path file = dir.resolve(String.format("%010d.jpg", meta.frame()));
        FrameRef ref = new FrameRef(meta.frame(), meta.captureTime(), file.toString(), size.width(), size.height(),
                meta.detections());
        try {
            Files.createDirectories(dir);
            // the JPEG: written and synced by each request on its own, in parallel with the others
            Path tmp = dir.resolve(file.getFileName() + ".tmp");
            write(tmp, jpeg, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            // its metadata line, then one sync of the directory (the rename) and the metadata file for every
            // frame of the segment written since the last sync: concurrent frames share it (group commit)
            SegmentSync sync = syncs.of(dir);
            long ticket = sync.append((Json.text(metadataLine(meta, ref)) + "\n").getBytes(StandardCharsets.UTF_8));
            if (fsync) {
                sync.syncThrough(ticket);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store frame " + meta.frame() + " of " + meta.segmentKey(), e);
        }
        metrics.counter("frames.received", "device", meta.device()).increment();
        metrics.counter("bytes.received", "device", meta.device(), "path", "http").increment(jpeg.length);
        exchange.setProperty(FRAME_REF_PROPERTY, ref);
        exchange.setProperty(SEGMENT_KEY_PROPERTY, meta.segmentKey());
    }

    /** Route step of {@code frames-in} for a frame stored before: counted, not stored again. */
    public void duplicate(Exchange exchange) {
        FrameMeta meta = exchange.getProperty(FrameHeaders.FRAME_PROPERTY, FrameMeta.class);
        metrics.counter("frames.duplicate", "device", meta.device()).increment();
    }

    /** The answer to a stored (or already stored) frame. */
    public String receipt(Exchange exchange) {
        FrameMeta meta = exchange.getProperty(FrameHeaders.FRAME_PROPERTY, FrameMeta.class);
        Map<String, Object> receipt = new LinkedHashMap<>();
        receipt.put("stored", true);
        receipt.put("duplicate", exchange.getProperty(Exchange.DUPLICATE_MESSAGE, false, Boolean.class));
        receipt.put("device", meta.device());
        receipt.put("frame", meta.frame());
        return Json.text(receipt);
    }

    private static Map<String, Object> metadataLine(FrameMeta meta, FrameRef ref) {
        Map<String, Object> line = new LinkedHashMap<>();
        line.put("meta", meta);
        line.put("width", ref.width());
        line.put("height", ref.height());
        return line;
    }

    private void write(Path path, byte[] bytes, StandardOpenOption... options) throws IOException {
        try (FileChannel channel = FileChannel.open(path, withWrite(options))) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            if (fsync) {
                channel.force(false);
            }
        }
    }

    private static StandardOpenOption[] withWrite(StandardOpenOption[] options) {
        StandardOpenOption[] all = java.util.Arrays.copyOf(options, options.length + 1);
        all[options.length] = StandardOpenOption.WRITE;
        return all;
    }
}
