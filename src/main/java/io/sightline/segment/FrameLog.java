package io.sightline.segment;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.wire.FrameMeta;
import io.sightline.wire.Json;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The incoming frames of one segment, in one append-only file ({@code frames.log}) instead of a file per frame:
 * each record is a JSON header line ({@code {"meta":…,"width":…,"height":…,"bytes":N}}) followed by the N bytes
 * of the JPEG. When a segment has been written, a line {@code {"writtenAt":[offsets]}} marks its records as
 * done (by where their JPEG starts: a frame may be in the log twice, its reduced live copy and later its full
 * copy; a log of an older version marks frame numbers, {@code {"written":[…]}}); once every record is done the
 * file is deleted.
 * <p>
 * Durability is a group commit: a request appends its record, then waits until one {@code fdatasync} covers it;
 * requests that arrive while a sync runs share the next one, so under load one sync serves many frames, and
 * there is no per-frame file to create, rename, sync and later delete. A record torn by a crash was never
 * acknowledged; it is cut off when the log is opened again.
 */
final class FrameLog {

    static final String FILE = "frames.log";

    /** One stored frame: its metadata and where its JPEG lies in the log. */
    record Entry(FrameMeta meta, FrameRef ref) {
    }

    private final Path dir;
    private final Path file;
    /** The log's path as every {@link FrameRef} of it carries it: one string shared, not one per frame. */
    private final String location;
    private final FileChannel channel;
    private final Object appendLock = new Object();
    private final Object syncLock = new Object();
    /** Records (their JPEG's offset) not yet in a written segment; the log goes when this is empty after a release. */
    private final Set<Long> pending = new HashSet<>();
    /** What the log held when it was opened after a restart: recovery hands these to the Aggregator once. */
    private List<Entry> recovered;
    private long end;
    private long appended;
    private volatile long synced;
    private boolean deleted;

    private FrameLog(Path dir, FileChannel channel, long end, List<Entry> recovered) {
        this.dir = dir;
        this.file = dir.resolve(FILE);
        this.location = file.toString();
        this.channel = channel;
        this.end = end;
        this.recovered = recovered;
        recovered.forEach(e -> pending.add(e.ref().offset()));
    }

    /**
     * Opens the log of a segment directory below {@code root}, creating it (and making the new directory entries
     * up to the root durable) or reading what it holds: records not marked written become
     * {@link #takeRecovered() recoverable}, a torn tail is cut off.
     */
    static FrameLog open(Path root, Path dir, boolean fsync) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) {
            Files.createDirectories(dir);
            FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            if (fsync) {
                for (Path d = dir; d.startsWith(root); d = d.getParent()) {
                    syncDirectory(d); // once per segment: the log's name and any directory created for it
                }
            }
            return new FrameLog(dir, channel, 0, new ArrayList<>());
        }
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        try {
            Scan scan = scan(file, channel);
            if (scan.end < channel.size()) {
                channel.truncate(scan.end);
                channel.force(false);
            }
            return new FrameLog(dir, channel, scan.end, scan.pending());
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /**
     * Appends one frame; returns its reference, or null when this log was just deleted (its segment is complete:
     * the caller opens a new log). The record is not durable until {@link #syncThrough} its ticket.
     */
    Appended append(FrameMeta meta, int width, int height, byte[] jpeg, boolean reduced) throws IOException {
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("meta", meta);
        header.put("width", width);
        header.put("height", height);
        header.put("bytes", jpeg.length);
        if (reduced) {
            header.put("reduced", true);
        }
        byte[] line = (Json.text(header) + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (appendLock) {
            if (deleted) {
                return null;
            }
            long start = end;
            writeFully(start, ByteBuffer.wrap(line), ByteBuffer.wrap(jpeg));
            end = start + line.length + jpeg.length;
            pending.add(start + line.length);
            FrameRef ref = new FrameRef(meta.frame(), meta.captureTime(), location, start + line.length,
                    jpeg.length, width, height, meta.detections(), reduced);
            return new Appended(this, ref, ++appended);
        }
    }

    /** A record appended to a log: durable once {@link #sync()} returns. */
    record Appended(FrameLog log, FrameRef ref, long ticket) {
        void sync() throws IOException {
            log.syncThrough(ticket);
        }
    }

    /** Returns once every record up to {@code ticket} is on disk (one sync for all records appended by then). */
    void syncThrough(long ticket) throws IOException {
        if (synced >= ticket) {
            return;
        }
        synchronized (syncLock) {
            if (synced >= ticket) {
                return; // another request's sync covered this one
            }
            long target;
            synchronized (appendLock) {
                target = appended;
            }
            channel.force(false);
            synced = target;
        }
    }

    /**
     * Marks records (by their JPEG's offset) as written into a segment, or superseded by a better copy. Returns
     * true when nothing is left pending: the log is then closed and deleted, with the directory if it is empty,
     * and {@link #append} refuses further records.
     */
    boolean release(Collection<Long> offsets) throws IOException {
        Map<String, Object> done = Map.of("writtenAt", offsets);
        byte[] line = (Json.text(done) + "\n").getBytes(StandardCharsets.UTF_8);
        synchronized (appendLock) {
            if (deleted) {
                return true;
            }
            pending.removeAll(offsets);
            if (!pending.isEmpty()) {
                // not synced: after a crash, recovery would only find these frames again in the written segment
                writeFully(end, ByteBuffer.wrap(line));
                end += line.length;
                return false;
            }
            deleted = true;
            channel.close();
            Files.deleteIfExists(file);
            try (var rest = Files.list(dir)) {
                if (rest.findAny().isEmpty()) {
                    Files.deleteIfExists(dir);
                }
            }
            return true;
        }
    }

    /** Frames read from the log when it was opened after a restart, and not written yet; once. */
    synchronized List<Entry> takeRecovered() {
        List<Entry> entries = recovered;
        recovered = List.of();
        return entries;
    }

    void close() throws IOException {
        synchronized (appendLock) {
            channel.close();
        }
    }

    /** A failed write leaves no torn record in the middle of the log: it is cut back to where it was. */
    private void writeFully(long position, ByteBuffer... buffers) throws IOException {
        try {
            long at = position;
            for (ByteBuffer buffer : buffers) {
                while (buffer.hasRemaining()) {
                    at += channel.write(buffer, at);
                }
            }
        } catch (IOException e) {
            try {
                channel.truncate(position);
            } catch (IOException cut) {
                e.addSuppressed(cut);
            }
            throw e;
        }
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
            directory.force(true);
        }
    }

    /** {@code writtenAt}: offsets of records done; {@code writtenFrames}: frame numbers done (older logs). */
    private record Scan(List<Entry> entries, Set<Long> writtenAt, Set<Long> writtenFrames, long end) {
        List<Entry> pending() {
            return entries.stream().filter(e -> !writtenAt.contains(e.ref().offset())
                    && !writtenFrames.contains(e.meta().frame())).collect(java.util.stream.Collectors.toList());
        }
    }

    /** Reads records up to the first incomplete one (a crash cut it: it was never acknowledged). */
    private static Scan scan(Path file, FileChannel channel) throws IOException {
        List<Entry> entries = new ArrayList<>();
        Set<Long> writtenAt = new HashSet<>();
        Set<Long> writtenFrames = new HashSet<>();
        String location = file.toString();
        long size = channel.size();
        long position = 0;
        ByteBuffer buffer = ByteBuffer.allocate(8 * 1024); // a header line, not the JPEG after it
        while (position < size) {
            String line = readLine(channel, position, buffer);
            if (line == null) {
                break;
            }
            long afterLine = position + line.getBytes(StandardCharsets.UTF_8).length + 1;
            JsonNode node;
            try {
                node = Json.MAPPER.readTree(line);
            } catch (IOException e) {
                break;
            }
            if (node.has("writtenAt") || node.has("written")) {
                node.path("writtenAt").forEach(n -> writtenAt.add(n.asLong()));
                node.path("written").forEach(n -> writtenFrames.add(n.asLong()));
                position = afterLine;
                continue;
            }
            long bytes = node.path("bytes").asLong(-1);
            if (!node.has("meta") || bytes < 0 || afterLine + bytes > size) {
                break;
            }
            FrameMeta meta;
            try {
                meta = Json.MAPPER.treeToValue(node.get("meta"), FrameMeta.class);
            } catch (IOException | IllegalArgumentException e) {
                break;
            }
            entries.add(new Entry(meta, new FrameRef(meta.frame(), meta.captureTime(), location, afterLine,
                    (int) bytes, node.path("width").asInt(), node.path("height").asInt(), meta.detections(),
                    node.path("reduced").asBoolean(false))));
            position = afterLine + bytes;
        }
        return new Scan(entries, writtenAt, writtenFrames, position);
    }

    /** The line starting at {@code position}, without its newline; null if the file ends before a newline. */
    private static String readLine(FileChannel channel, long position, ByteBuffer buffer) throws IOException {
        java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();
        long at = position;
        while (true) {
            buffer.clear();
            int n = channel.read(buffer, at);
            if (n <= 0) {
                return null;
            }
            buffer.flip();
            while (buffer.hasRemaining()) {
                byte b = buffer.get();
                if (b == '\n') {
                    return line.toString(StandardCharsets.UTF_8);
                }
                line.write(b);
            }
            at += n;
            if (line.size() > 1 << 20) {
                return null; // no header is that long: garbage, treated as a torn tail
            }
        }
    }
}
