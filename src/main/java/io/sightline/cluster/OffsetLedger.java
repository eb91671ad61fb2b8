package io.sightline.cluster;

import io.sightline.segment.FrameRef;
import io.sightline.segment.SegmentAssembly;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.apache.camel.component.kafka.KafkaConstants;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which frames of the segment writers' Kafka partitions are in a written segment, so that an offset is committed
 * only once every frame before it is: the frames consumer {@link #hold holds} each frame's offset as it stores
 * it, the segment writer {@link #release releases} a segment's frames once its video and sidecar exist, and the
 * committing consumer ({@link CommittingKafkaClients}) commits, on its own thread, each partition up to its
 * oldest frame still held. A new owner of a partition (after a rebalance or a crash) reads again from there.
 */
public class OffsetLedger {

    /** A partition's offsets seen since its last commit: true once the frame is in a written segment. */
    private static final class Pending {
        final TreeMap<Long, Boolean> offsets = new TreeMap<>();
        long next = -1;
        long committed = -1;
    }

    private record Place(TopicPartition partition, long offset) {
    }

    private final Map<TopicPartition, Pending> partitions = new HashMap<>();
    private final Map<FrameRef, Place> places = new HashMap<>();

    /** Step of the frames consumer, after the frame is stored: its offset stays uncommitted until it is released. */
    public synchronized void hold(@ExchangeProperty("frameRef") FrameRef frame, @Header(KafkaConstants.TOPIC) String topic,
                                  @Header(KafkaConstants.PARTITION) int partition, @Header(KafkaConstants.OFFSET) long offset) {
        TopicPartition tp = new TopicPartition(topic, partition);
        Pending p = partitions.computeIfAbsent(tp, k -> new Pending());
        p.offsets.put(offset, false);
        p.next = Math.max(p.next, offset + 1);
        places.put(frame, new Place(tp, offset));
    }

    /** Step after a segment is written (or found written already): every frame it gathered is done. */
    public synchronized void release(@ExchangeProperty("assembly") SegmentAssembly assembly) {
        release(assembly.ordered());
        release(assembly.superseded());
    }

    private void release(List<FrameRef> frames) {
        for (FrameRef f : frames) {
            Place place = places.remove(f);
            Pending p = place == null ? null : partitions.get(place.partition());
            if (p != null) {
                p.offsets.replace(place.offset(), true);
            }
        }
    }

    /** What may be committed now: per partition, up to its oldest frame still held (or all it has seen). */
    synchronized Map<TopicPartition, OffsetAndMetadata> committable() {
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        partitions.forEach((tp, p) -> {
            while (!p.offsets.isEmpty() && p.offsets.firstEntry().getValue()) {
                p.offsets.pollFirstEntry();
            }
            long upTo = p.offsets.isEmpty() ? p.next : p.offsets.firstKey();
            if (upTo > p.committed) {
                commit.put(tp, new OffsetAndMetadata(upTo));
            }
        });
        return commit;
    }

    /** After the commit of {@link #committable()} succeeded. */
    synchronized void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((tp, o) -> {
            Pending p = partitions.get(tp);
            if (p != null) {
                p.committed = Math.max(p.committed, o.offset());
            }
        });
    }

    /**
     * Partitions this consumer no longer owns: forgotten, so that no late release commits for them. Their frames
     * still being assembled are written by the new owner too (same segment names; a frame already in a written
     * segment is not written again).
     */
    synchronized void forget(Collection<TopicPartition> gone) {
        gone.forEach(partitions::remove);
        places.values().removeIf(place -> gone.contains(place.partition()));
    }

    /** Frames held and not yet in a written segment (for metrics and tests). */
    public synchronized int held() {
        return places.size();
    }
}
