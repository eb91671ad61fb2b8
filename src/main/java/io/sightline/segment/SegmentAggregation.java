package io.sightline.segment;

import io.sightline.wire.FrameMeta;
import org.apache.camel.AggregationStrategy;
import org.apache.camel.Exchange;
import org.apache.camel.support.DefaultExchange;

/**
 * Aggregation strategy of the {@code segments} route: adds the incoming {@link FrameRef} (the body; its metadata
 * in the {@code frame} property) to the segment's {@link SegmentAssembly}, which holds file references only.
 */
public class SegmentAggregation implements AggregationStrategy {

    @Override
    public Exchange aggregate(Exchange oldExchange, Exchange newExchange) {
        FrameMeta meta = newExchange.getProperty("frame", FrameMeta.class); // set by the route that sends it
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
