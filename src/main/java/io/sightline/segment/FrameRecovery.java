package io.sightline.segment;

import io.sightline.wire.FrameMeta;
import io.sightline.wire.Json;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * After a crash: finds frames that were acknowledged (on disk in the incoming area) but are in no segment yet,
 * so the {@code recovery} route can hand them to the Aggregator again. Frames already in a written segment (the
 * receiver died between writing the segment and clearing its frames) are cleared, not written twice.
 */
public class FrameRecovery {

    private static final Logger LOG = LoggerFactory.getLogger(FrameRecovery.class);

    /** One frame to re-aggregate. */
    public record Recovered(FrameMeta meta, FrameRef ref) {
    }

    /** The metadata file of the incoming layout before frame logs (a JPEG file per frame). */
    static final String LEGACY_METADATA = "frames.jsonl";

    private final FrameStore store;
    private final Path segmentsDir;

    public FrameRecovery(FrameStore store, Path segmentsDir) {
        this.store = store;
        this.segmentsDir = segmentsDir;
    }

    public List<Recovered> scan() throws IOException {
        List<Recovered> found = new ArrayList<>();
        if (!Files.isDirectory(store.incoming())) {
            return found;
        }
        List<Path> dirs;
        try (Stream<Path> files = Files.walk(store.incoming(), 4)) {
            dirs = files.filter(p -> p.getFileName().toString().equals(FrameLog.FILE)
                    || p.getFileName().toString().equals(LEGACY_METADATA)).map(Path::getParent).distinct().sorted().toList();
        }
        for (Path dir : dirs) {
            found.addAll(segment(dir));
        }
        if (!found.isEmpty()) {
            LOG.info("Recovering {} stored frames of {} unfinished segments", found.size(), dirs.size());
        }
        return found;
    }

    private List<Recovered> segment(Path dir) throws IOException {
        List<FrameLog.Entry> entries = new ArrayList<>(store.recover(dir));
        entries.addAll(store.adoptLegacy(dir));
        if (entries.isEmpty()) {
            return List.of();
        }
        FrameMeta any = entries.get(0).meta();
        Map<Long, Boolean> written = framesInWrittenSegment(any.device(), any.segment());
        List<FrameRef> done = new ArrayList<>();
        List<Recovered> pending = new ArrayList<>();
        for (FrameLog.Entry e : entries) {
            Boolean writtenReduced = written.get(e.meta().frame());
            // written already - unless this is the full-quality copy of a frame the segment holds reduced
            if (writtenReduced != null && (!writtenReduced || e.ref().reduced())) {
                done.add(e.ref());
            } else {
                pending.add(new Recovered(e.meta(), e.ref()));
            }
        }
        store.release(done); // the receiver died between writing their segment and releasing them
        return pending;
    }

    /** Frame number → whether the written segment holds it reduced. */
    private Map<Long, Boolean> framesInWrittenSegment(String device, String segment) throws IOException {
        Map<Long, Boolean> numbers = new HashMap<>();
        Path dir = segmentsDir.resolve(device);
        if (!Files.isDirectory(dir)) {
            return numbers;
        }
        List<Path> sidecars;
        try (Stream<Path> files = Files.walk(dir, 2)) {
            sidecars = files.filter(p -> p.getFileName().toString().startsWith(segment)
                    && p.getFileName().toString().endsWith(".json")).toList();
        }
        for (Path sidecar : sidecars) {
            Json.MAPPER.readTree(sidecar.toFile()).get("frames").forEach(f -> numbers.merge(f.get("frame").asLong(),
                    "reduced".equals(f.path("quality").asText()), Boolean::logicalAnd));
        }
        return numbers;
    }
}
