package io.sightline.segment;

import io.sightline.monitor.SightlineMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Keeps the segment store within bounds: deletes segments (video and sidecar together) whose newest file is
 * older than {@code maxAge}, then, while the store is above {@code maxBytes} or its file system has less than
 * {@code minFreePercent} free (other data on the volume, a volume smaller than the byte limit), the oldest first.
 * Only finished
 * segments are candidates: a segment is written under a temporary name and renamed, so a file still being
 * written ({@code .part}) is never touched. Empty day and device directories are removed.
 */
public class Retention {

    private static final Logger LOG = LoggerFactory.getLogger(Retention.class);

    private final Path segmentsDir;
    private final Duration maxAge;
    private final long maxBytes;
    private final double minFreePercent;
    private final SightlineMetrics metrics;

    /** One finished segment: its video and sidecar (and the browser copy, when one was made). */
    record Segment(Path video, Path sidecar, long modified, long bytes) {
    }

    public Retention(Path segmentsDir, Duration maxAge, long maxBytes, double minFreePercent, SightlineMetrics metrics) {
        this.minFreePercent = minFreePercent;
        this.segmentsDir = segmentsDir;
        this.maxAge = maxAge;
        this.maxBytes = maxBytes;
        this.metrics = metrics;
    }

    /** Step of the {@code retention} route; returns how many segments it deleted. */
    public synchronized int enforce() throws IOException {
        List<Segment> segments = segments();
        long total = segments.stream().mapToLong(Segment::bytes).sum();
        long oldestAllowed = System.currentTimeMillis() - maxAge.toMillis();
        int deleted = 0;
        for (Segment s : segments) { // oldest first
            if (s.modified() >= oldestAllowed && total <= maxBytes && freePercent() >= minFreePercent) {
                break;
            }
            delete(s);
            total -= s.bytes();
            deleted++;
        }
        if (deleted > 0) {
            metrics.counter("segments.deleted").increment(deleted);
            LOG.info("Retention deleted {} segments; {} bytes of segments remain", deleted, total);
            removeEmptyDirectories();
        }
        return deleted;
    }

    /** Free space of the store's file system, percent (100 before the store exists). */
    private double freePercent() throws IOException {
        if (!Files.isDirectory(segmentsDir)) {
            return 100;
        }
        FileStore store = Files.getFileStore(segmentsDir);
        return store.getTotalSpace() == 0 ? 100 : 100.0 * store.getUsableSpace() / store.getTotalSpace();
    }

    private List<Segment> segments() throws IOException {
        List<Segment> found = new ArrayList<>();
        if (!Files.isDirectory(segmentsDir)) {
            return found;
        }
        // device/day/segment.json; listed without Files.walk, which throws when a segment's .part file is renamed
        // between the directory listing and reading its attributes (the segment writer runs meanwhile)
        for (Path device : entries(segmentsDir, "*")) {
            for (Path day : entries(device, "*")) {
                for (Path sidecar : entries(day, "*.json")) {
                    String name = sidecar.getFileName().toString();
                    Path video = sidecar.resolveSibling(name.substring(0, name.length() - 5) + ".mkv");
                    Path playback = oldBrowserCopy(video);
                    try {
                        long bytes = Files.size(sidecar) + sizeIfExists(video) + sizeIfExists(playback);
                        long modified = Math.max(Files.getLastModifiedTime(sidecar).toMillis(),
                                Files.exists(video) ? Files.getLastModifiedTime(video).toMillis() : 0);
                        found.add(new Segment(video, sidecar, modified, bytes));
                    } catch (NoSuchFileException gone) {
                        // deleted meanwhile: nothing to keep within bounds
                    }
                }
            }
        }
        found.sort(Comparator.comparingLong(Segment::modified));
        return found;
    }

    private static List<Path> entries(Path dir, String glob) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> listing = Files.newDirectoryStream(dir, glob)) {
            listing.forEach(entries::add);
        } catch (NoSuchFileException gone) {
            return List.of();
        }
        return entries;
    }

    private static long sizeIfExists(Path file) throws IOException {
        try {
            return Files.size(file);
        } catch (NoSuchFileException absent) {
            return 0;
        }
    }

    /** The VP8/WebM copy Sightline kept beside a segment before playback by span (deleted with its segment). */
    private static Path oldBrowserCopy(Path video) {
        String name = video.getFileName().toString();
        return video.resolveSibling(name.substring(0, name.lastIndexOf('.')) + ".webm");
    }

    private static void delete(Segment s) throws IOException {
        Files.deleteIfExists(oldBrowserCopy(s.video()));
        Files.deleteIfExists(s.video()); // the video first: a sidecar without its video still says what was there
        Files.deleteIfExists(s.sidecar());
    }

    private void removeEmptyDirectories() throws IOException {
        try (Stream<Path> dirs = Files.walk(segmentsDir, 2)) {
            for (Path dir : dirs.filter(Files::isDirectory).filter(d -> !d.equals(segmentsDir))
                    .sorted(Comparator.reverseOrder()).toList()) {
                try (Stream<Path> content = Files.list(dir)) {
                    if (content.findAny().isEmpty()) {
                        Files.deleteIfExists(dir);
                    }
                }
            }
        }
    }
}
