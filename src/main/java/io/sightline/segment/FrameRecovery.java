package io.sightline.segment;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.wire.FrameHeaders;
import io.sightline.wire.FrameMeta;
import io.sightline.wire.Json;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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

    private final FrameStore store;
    private final Path segmentsDir;

    public FrameRecovery(FrameStore store, Path dataDir) {
        this.store = store;
        this.segmentsDir = dataDir.resolve("segments");
    }

    public List<Recovered> scan() throws IOException {
        List<Recovered> found = new ArrayList<>();
        if (!Files.isDirectory(store.incoming())) {
            return found;
        }
        List<Path> metadata;
        try (Stream<Path> files = Files.walk(store.incoming(), 4)) {
            metadata = files.filter(p -> p.getFileName().toString().equals(FrameStore.METADATA_FILE)).sorted().toList();
        }
        for (Path file : metadata) {
            found.addAll(segment(file));
        }
        if (!found.isEmpty()) {
            LOG.info("Recovering {} stored frames of {} unfinished segments", found.size(), metadata.size());
        }
        return found;
    }

    private List<Recovered> segment(Path metadataFile) throws IOException {
        Map<Long, Recovered> frames = new LinkedHashMap<>();
        for (String line : Files.readAllLines(metadataFile, StandardCharsets.UTF_8)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode node;
            FrameMeta meta;
            try {
                node = Json.MAPPER.readTree(line);
                meta = Json.MAPPER.treeToValue(node.get("meta"), FrameMeta.class);
            } catch (IOException | IllegalArgumentException e) {
                continue; // a line cut short by the crash: its frame was never acknowledged
            }
            Path jpeg = metadataFile.resolveSibling(String.format("%010d.jpg", meta.frame()));
            if (Files.exists(jpeg)) {
                frames.putIfAbsent(meta.frame(), new Recovered(meta, new FrameRef(meta.frame(), meta.captureTime(),
                        jpeg.toString(), node.get("width").asInt(), node.get("height").asInt(), meta.detections())));
            }
        }
        if (frames.isEmpty()) {
            return List.of();
        }
        FrameMeta any = frames.values().iterator().next().meta();
        Set<Long> written = framesInWrittenSegment(any.device(), any.segment());
        List<Recovered> pending = new ArrayList<>();
        for (Recovered r : frames.values()) {
            if (written.contains(r.meta().frame())) {
                Files.deleteIfExists(Path.of(r.ref().file()));
            } else {
                pending.add(r);
            }
        }
        if (pending.isEmpty()) {
            Files.deleteIfExists(metadataFile);
        }
        return pending;
    }

    private Set<Long> framesInWrittenSegment(String device, String segment) throws IOException {
        Set<Long> numbers = new HashSet<>();
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
            Json.MAPPER.readTree(sidecar.toFile()).get("frames").forEach(f -> numbers.add(f.get("frame").asLong()));
        }
        return numbers;
    }

    /** Route step of {@code recovery}, per recovered frame: the same exchange shape {@code frames-in} hands over. */
    public FrameRef restore(Exchange exchange) {
        Recovered r = exchange.getMessage().getBody(Recovered.class);
        exchange.setProperty(FrameHeaders.FRAME_PROPERTY, r.meta());
        exchange.setProperty(FrameStore.FRAME_REF_PROPERTY, r.ref());
        exchange.setProperty(FrameStore.SEGMENT_KEY_PROPERTY, r.meta().segmentKey());
        return r.ref();
    }
}
