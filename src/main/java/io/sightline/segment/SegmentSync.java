package io.sightline.segment;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Group commit of one segment's incoming directory: metadata lines are appended to {@code frames.jsonl} in order,
 * each gets a ticket, and a request that needs its line (and its JPEG's rename) durable syncs the metadata file
 * and the directory once for every line appended so far. Requests that arrive while a sync runs are covered by
 * the next one, so under load a few syncs serve many frames instead of two per frame.
 */
final class SegmentSync {

    private final Path dir;
    private final Object appendLock = new Object();
    private final Object syncLock = new Object();
    private long appended;
    private volatile long synced;

    private SegmentSync(Path dir) {
        this.dir = dir;
    }

    /** Appends a metadata line (not yet synced); returns its ticket. */
    long append(byte[] line) throws IOException {
        synchronized (appendLock) {
            try (FileChannel out = FileChannel.open(dir.resolve(FrameStore.METADATA_FILE), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
                ByteBuffer buffer = ByteBuffer.wrap(line);
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
            }
            return ++appended;
        }
    }

    /** Returns once everything appended up to {@code ticket} (and every rename before it) is on disk. */
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
            try (FileChannel metadata = FileChannel.open(dir.resolve(FrameStore.METADATA_FILE), StandardOpenOption.READ)) {
                metadata.force(false);
            }
            try (FileChannel directory = FileChannel.open(dir, StandardOpenOption.READ)) {
                directory.force(true);
            }
            synced = target;
        }
    }

    /** The sync state of each recent segment directory (bounded: finished segments fall out). */
    static final class Registry {
        private static final int KEPT = 1024;
        private final Map<Path, SegmentSync> byDir = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<Path, SegmentSync> eldest) {
                return size() > KEPT;
            }
        };

        synchronized SegmentSync of(Path dir) {
            return byDir.computeIfAbsent(dir, SegmentSync::new);
        }
    }
}
