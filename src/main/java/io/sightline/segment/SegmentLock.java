package io.sightline.segment;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * One writer at a time for a segment's name (its file, its late companions), across processes that share the
 * segment store: a cluster's segment writers after a rebalance may both hold frames of the same segment. The lock
 * is a file {@code <segment>.lock} made with create-exclusive (atomic on local disks and NFS); a writer that died
 * holding one leaves it behind, and it is taken over once it is older than {@link #STALE}. Without it, a writer
 * that looked for the segment's frames before another wrote them could replace the other's segment with one that
 * lacks some.
 */
final class SegmentLock implements AutoCloseable {

    /** Far longer than writing a segment takes (tens of ms; a long H.264 one, seconds). */
    static final Duration STALE = Duration.ofSeconds(60);
    private static final long WAIT_MILLIS = 20;

    private final Path file;

    private SegmentLock(Path file) {
        this.file = file;
    }

    static SegmentLock take(Path dir, String segment) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(segment + ".lock");
        long giveUp = System.nanoTime() + 2 * STALE.toNanos();
        while (true) {
            try {
                Files.createFile(file);
                return new SegmentLock(file);
            } catch (FileAlreadyExistsException held) {
                breakIfStale(file);
                if (System.nanoTime() > giveUp) {
                    throw new IOException("segment " + segment + " stayed locked by " + file);
                }
                try {
                    Thread.sleep(WAIT_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted while waiting for " + file, e);
                }
            }
        }
    }

    private static void breakIfStale(Path file) throws IOException {
        try {
            if (System.currentTimeMillis() - Files.getLastModifiedTime(file).toMillis() > STALE.toMillis()) {
                Files.deleteIfExists(file);
            }
        } catch (NoSuchFileException released) {
            // released meanwhile: the next attempt takes it
        }
    }

    @Override
    public void close() throws IOException {
        Files.deleteIfExists(file);
    }
}
