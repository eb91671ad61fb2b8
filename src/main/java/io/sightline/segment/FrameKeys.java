package io.sightline.segment;

import io.sightline.wire.FrameHeaders;
import io.sightline.wire.FrameMeta;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashSet;
import java.util.List;

/**
 * The keys of the frames already stored (device/stream/frame), for the Idempotent Consumer of {@code frames-in}:
 * the newest {@code capacity} keys in memory, and an append-only log ({@code data/frame-keys.log}) that restores
 * them at start. A lookup is a hash lookup and an add is one buffered line: Camel's FileIdempotentRepository
 * scans its whole file for every key it has not cached, which is every new frame (the profile showed 70 % of
 * the receiver's CPU there). The log is written through to the OS at each add, so a process crash loses
 * nothing; after a power cut its last lines may be missing, and a frame retried then is stored again under the
 * same file name and collapses with itself in its segment. The log is compacted when it grows past twice the
 * capacity.
 */
public class FrameKeys extends ServiceSupport implements IdempotentRepository {

    /** Marks the key of a reduced copy: a full copy of the same frame is an upgrade, not a duplicate. */
    private static final String REDUCED = "~reduced";

    private final Path log;
    private final int capacity;
    private final LinkedHashSet<String> keys = new LinkedHashSet<>();
    private BufferedWriter out;
    private long lines;

    public FrameKeys(Path log, int capacity) {
        this.log = log;
        this.capacity = capacity;
    }

    @Override
    protected synchronized void doStart() throws IOException {
        Files.createDirectories(log.toAbsolutePath().getParent());
        if (Files.exists(log)) {
            List<String> stored = Files.readAllLines(log, StandardCharsets.UTF_8);
            lines = stored.size();
            for (String key : stored) {
                if (!key.isEmpty()) {
                    remember(key);
                }
            }
        }
        out = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    @Override
    protected synchronized void doStop() throws IOException {
        if (out != null) {
            out.close();
            out = null;
        }
    }

    /**
     * The Idempotent Consumer's key of a stored copy: the frame key (device/stream/frame) for a full-quality copy,
     * marked for a reduced one. A reduced copy is a duplicate when any copy is stored, a full one only when a full
     * one is.
     */
    public String key(@ExchangeProperty("frame") FrameMeta frame, @ExchangeProperty("quality") String quality) {
        return FrameHeaders.REDUCED.equals(quality) ? frame.frameKey() + REDUCED : frame.frameKey();
    }

    @Override
    public synchronized boolean contains(String key) {
        return keys.contains(key) || key.endsWith(REDUCED) && keys.contains(key.substring(0, key.length() - REDUCED.length()));
    }

    @Override
    public synchronized boolean add(String key) {
        if (!remember(key)) {
            return false;
        }
        try {
            out.write(key);
            out.newLine();
            out.flush();
            if (++lines > 2L * capacity) {
                compact();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + log, e);
        }
        return true;
    }

    @Override
    public synchronized boolean remove(String key) {
        return keys.remove(key); // the log keeps it; a frame whose store failed is simply stored again later
    }

    @Override
    public boolean confirm(String key) {
        return true;
    }

    @Override
    public synchronized void clear() {
        keys.clear();
    }

    private boolean remember(String key) {
        if (!keys.add(key)) {
            return false;
        }
        if (keys.size() > capacity) {
            var oldest = keys.iterator();
            oldest.next();
            oldest.remove();
        }
        return true;
    }

    private void compact() throws IOException {
        out.close();
        Path tmp = log.resolveSibling(log.getFileName() + ".tmp");
        Files.write(tmp, keys, StandardCharsets.UTF_8);
        Files.move(tmp, log, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        lines = keys.size();
        out = Files.newBufferedWriter(log, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
}
