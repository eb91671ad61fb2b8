package io.sightline.delivery;

import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.FrameMeta;
import io.sightline.wire.JpegFrame;
import io.sightline.wire.Json;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * The sender's store-and-forward spool: frames that cannot be delivered now, one file each,
 * {@code <stream>-<frame>.frame}, so that file names sort in capture order (stream ids start with their start
 * time). A file is one line of JSON metadata, then the JPEG. The spool never grows beyond {@code maxBytes}:
 * the oldest frames are dropped, counted and logged.
 */
public class Spool {

    private static final Logger LOG = LoggerFactory.getLogger(Spool.class);
    public static final String SUFFIX = ".frame";

    private final Path dir;
    private final long maxBytes;
    private final Map<String, Long> files = new ConcurrentSkipListMap<>();
    private final AtomicLong bytes = new AtomicLong();
    private final SightlineMetrics metrics;
    private final String device;

    public Spool(Path dir, long maxBytes, SightlineMetrics metrics, String device) {
        this.dir = dir;
        this.maxBytes = maxBytes;
        this.metrics = metrics;
        this.device = device;
        try {
            Files.createDirectories(dir);
            try (Stream<Path> existing = Files.list(dir)) {
                existing.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).forEach(p -> {
                    long size = p.toFile().length();
                    files.put(p.getFileName().toString(), size);
                    bytes.addAndGet(size);
                });
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the spool " + dir, e);
        }
        if (!files.isEmpty()) {
            LOG.info("Spool {} holds {} frames ({} bytes) from before; they will be replayed", dir, files.size(), bytes.get());
        }
        metrics.gauge("spool.frames", files, Map::size, "device", device);
        metrics.gauge("spool.bytes", bytes, AtomicLong::get, "device", device);
    }

    /** Route step of {@code spool}: the spool record of the frame (its metadata line, then its JPEG). */
    public byte[] prepare(@ExchangeProperty("jpeg") byte[] jpeg, @ExchangeProperty("frame") FrameMeta meta) {
        byte[] head = (Json.text(meta) + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] record = Arrays.copyOf(head, head.length + jpeg.length);
        System.arraycopy(jpeg, 0, record, head.length, jpeg.length);
        String name = fileName(meta);
        makeRoom(record.length);
        if (files.put(name, (long) record.length) == null) {
            bytes.addAndGet(record.length);
        }
        metrics.counter("spool.written", "device", device).increment();
        return record;
    }

    /** The record's file name: in capture order. */
    public String fileName(@ExchangeProperty("frame") FrameMeta meta) {
        return String.format("%s-%010d%s", meta.stream(), meta.frame(), SUFFIX);
    }

    private synchronized void makeRoom(long needed) {
        while (!files.isEmpty() && bytes.get() + needed > maxBytes) {
            String oldest = files.keySet().iterator().next();
            Long size = files.remove(oldest);
            if (size != null) {
                bytes.addAndGet(-size);
                try {
                    Files.deleteIfExists(dir.resolve(oldest));
                } catch (IOException e) {
                    LOG.warn("Cannot delete spooled frame {}: {}", oldest, e.getMessage());
                }
                metrics.counter("spool.dropped", "device", device).increment();
                LOG.warn("Spool full ({} bytes): dropped the oldest frame {}", maxBytes, oldest);
            }
        }
    }

    /** Route step of {@code frames-replay}: back from the record to the frame's metadata and JPEG. */
    public JpegFrame restore(@Body byte[] record, @Header(Exchange.FILE_NAME) String file) {
        int newline = 0;
        while (newline < record.length && record[newline] != '\n') {
            newline++;
        }
        try {
            return new JpegFrame(Json.MAPPER.readValue(record, 0, newline, FrameMeta.class),
                    Arrays.copyOfRange(record, newline + 1, record.length));
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable spool record " + file, e);
        }
    }

    /** Route step of {@code frames-replay}: the file is acknowledged (or rejected for good) and leaves the spool. */
    public void done(@Header(Exchange.FILE_NAME_ONLY) String name) {
        Long size = name == null ? null : files.remove(name);
        if (size != null) {
            bytes.addAndGet(-size);
        }
        metrics.counter("spool.replayed", "device", device).increment();
    }

    /** Bytes waiting in the spool. */
    public long bytes() {
        return bytes.get();
    }

    /** Frames waiting in the spool (reported in the sender's datagrams). */
    public int frames() {
        return files.size();
    }
}
