package io.sightline.segment;

import io.sightline.wire.FrameHeaders;
import io.sightline.wire.FrameMeta;
import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultExchange;

/**
 * Aggregation strategy of the {@code segments} route: adds the incoming {@link FrameRef} to the segment's
 * {@link SegmentAssembly}, which holds file references only.
 */
public class SegmentAggregation implements AggregationStrategy {

    @Override
    public Exchange aggregate(Exchange oldExchange, Exchange newExchange) {
        FrameMeta meta = newExchange.getProperty(FrameHeaders.FRAME_PROPERTY, FrameMeta.class);
        FrameRef frame = newExchange.getMessage().getBody(FrameRef.class);
        // a fresh exchange for the aggregate: the request's own exchange holds its headers and body buffers
        Exchange aggregate = oldExchange == null ? new DefaultExchange(newExchange.getContext()) : oldExchange;
        SegmentAssembly assembly = oldExchange == null
                ? new SegmentAssembly(meta.device(), meta.stream(), meta.segment())
                : oldExchange.getMessage().getBody(SegmentAssembly.class);
        assembly.add(frame, meta.segmentFirst(), meta.lastInSegment());
        aggregate.getMessage().setBody(assembly);
        return aggregate;
    }
}
