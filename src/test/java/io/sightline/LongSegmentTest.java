package io.sightline;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.segment.FrameRef;
import io.sightline.segment.SegmentAssembly;
import org.apache.camel.Exchange;
import org.apache.camel.processor.aggregate.MemoryAggregationRepository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.management.ManagementFactory;
import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A 2,000-frame segment: the open aggregate holds file references only, and the segment still comes out whole. */
class LongSegmentTest {

    static final int FRAMES = 2000;

    @TempDir
    Path data;

    @Test
    void theAggregateHoldsReferencesNotImages() throws Exception {
        Map<String, String> settings = Harness.receiver(data);
        settings.put("sightline.segment.idle-timeout-ms", "600000");
        settings.put("sightline.segment.max-frames", "100000");
        String url = Harness.base(settings) + "/api/v1/frames";
        byte[] jpeg = Harness.syntheticJpeg(320, 240, 80);
        long t = 1_700_000_000_000L;

        try (Sightline receiver = Sightline.start(settings)) {
            for (int i = 0; i < FRAMES; i++) {
                assertThat(Harness.post(url, Harness.frameHeaders("long", "s", i, t + i * 50L, "seg", false), jpeg)
                        .statusCode()).isEqualTo(201);
            }
            MemoryAggregationRepository repository = receiver.context().getRegistry()
                    .lookupByNameAndType("segmentRepository", MemoryAggregationRepository.class);
            Set<String> keys = repository.getKeys();
            assertThat(keys).containsExactly("long/s/seg");
            Exchange aggregate = repository.get(receiver.context(), "long/s/seg");
            SegmentAssembly assembly = aggregate.getMessage().getBody(SegmentAssembly.class);
            assertThat(assembly.getSize()).isEqualTo(FRAMES);
            assertThat(assembly.ordered()).extracting(FrameRef::log)
                    .allSatisfy(f -> assertThat(Path.of(f)).exists());

            // nothing reachable from the aggregate is image data: no byte array over 1 KiB (one JPEG is ~8 KiB)
            List<Integer> arrays = new ArrayList<>();
            reachableByteArrays(aggregate.getMessage().getBody(), arrays, new IdentityHashMap<>());
            reachableByteArrays(aggregate.getMessage().getHeaders(), arrays, new IdentityHashMap<>());
            reachableByteArrays(aggregate.getProperties(), arrays, new IdentityHashMap<>());
            assertThat(arrays).allSatisfy(length -> assertThat(length).isLessThan(1024));
            assertThat(jpeg.length).isGreaterThan(4096);

            System.gc();
            long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
            System.out.printf("heap used with a %d-frame segment open: %.1f MB%n", FRAMES, heap / 1e6);

            assertThat(Harness.post(url, Harness.frameHeaders("long", "s", FRAMES, t + FRAMES * 50L, "seg", true), jpeg)
                    .statusCode()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(60)).until(() -> Segments.sidecars(data, "long").size() == 1);
        }
        Path sidecar = Segments.sidecars(data, "long").get(0);
        JsonNode meta = Segments.read(sidecar);
        assertThat(meta.get("frameCount").asInt()).isEqualTo(FRAMES + 1);
        assertThat(Segments.decode(Segments.video(sidecar)).markers()).hasSize(FRAMES + 1).containsOnly(0L);
    }

    /** Walks collections, maps, arrays and Sightline's own objects; records the length of every byte[]. */
    private static void reachableByteArrays(Object o, List<Integer> found, Map<Object, Boolean> seen) throws Exception {
        if (o == null || seen.put(o, true) != null) {
            return;
        }
        if (o instanceof byte[] bytes) {
            found.add(bytes.length);
        } else if (o instanceof Collection<?> c) {
            for (Object e : new ArrayList<>(c)) {
                reachableByteArrays(e, found, seen);
            }
        } else if (o instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : new java.util.HashMap<>(m).entrySet()) {
                reachableByteArrays(e.getKey(), found, seen);
                reachableByteArrays(e.getValue(), found, seen);
            }
        } else if (o.getClass().isArray() && !o.getClass().getComponentType().isPrimitive()) {
            for (int i = 0; i < Array.getLength(o); i++) {
                reachableByteArrays(Array.get(o, i), found, seen);
            }
        } else if (o.getClass().getName().startsWith("io.sightline") || o.getClass().getName().startsWith("io.vertx")) {
            assertThat(o.getClass().getName()).as("Vert.x buffers in the aggregate").doesNotStartWith("io.vertx");
            for (Class<?> c = o.getClass(); c != null && c != Object.class; c = c.getSuperclass()) {
                for (Field f : c.getDeclaredFields()) {
                    if (!Modifier.isStatic(f.getModifiers())) {
                        f.setAccessible(true);
                        reachableByteArrays(f.get(o), found, seen);
                    }
                }
            }
        }
    }
}
