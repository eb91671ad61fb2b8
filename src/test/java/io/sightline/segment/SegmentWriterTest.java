package io.sightline.segment;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sightline.capture.JpegEncoder;
import io.sightline.capture.SyntheticSource;
import io.sightline.match.DetectionMatcher;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.FrameHeaders;
import io.sightline.wire.FrameMeta;
import io.sightline.wire.JpegCheck;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A frame stored while its segment is being written (it arrived after the segment's last frame, e.g. after a
 * late guess of the segment's end) must keep its metadata in the incoming area: it is acknowledged, and after a
 * crash recovery finds it only through that line. Found by the kill -9 fault test in CI.
 */
class SegmentWriterTest {

    @TempDir
    Path data;

    @Test
    void writingASegmentKeepsTheMetadataOfAFrameThatArrivedMeanwhile() throws Exception {
        SightlineMetrics metrics = new SightlineMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        FrameStore store = new FrameStore(data, true, metrics);
        SyntheticSource scene = new SyntheticSource(160, 120);
        scene.open();
        JpegEncoder encoder = new JpegEncoder(80);
        SegmentAssembly assembly = new SegmentAssembly("cam", "s1", "seg-0");
        List<FrameRef> stored = new ArrayList<>();
        try {
            for (int frame = 0; frame <= 10; frame++) {
                Exchange exchange = new DefaultExchange(new DefaultCamelContext());
                exchange.setProperty(FrameHeaders.FRAME_PROPERTY,
                        new FrameMeta("cam", "s1", frame, 1_000 + frame * 50L, "seg-0", 0, frame == 9, List.of()));
                exchange.setProperty(JpegCheck.SIZE_PROPERTY, new JpegCheck.Size(160, 120));
                exchange.getMessage().setBody(encoder.encode(scene.grab()));
                store.store(exchange);
                stored.add(exchange.getProperty(FrameStore.FRAME_REF_PROPERTY, FrameRef.class));
            }
        } finally {
            scene.close();
        }
        for (int frame = 0; frame <= 9; frame++) { // the segment as the Aggregator completed it: frame 10 came later
            assembly.add(stored.get(frame), 0, frame == 9);
        }
        new SegmentWriter(data, new MjpegCopyMuxer(), new DetectionMatcher(metrics), metrics).write(assembly, "predicate");

        Path incoming = data.resolve("incoming/cam/s1/seg-0");
        assertThat(incoming.resolve("0000000010.jpg")).exists();
        assertThat(incoming.resolve("0000000000.jpg")).doesNotExist();
        List<FrameRecovery.Recovered> recovered = new FrameRecovery(store, data).scan();
        assertThat(recovered).extracting(r -> r.meta().frame()).containsExactly(10L);

        // once the late frame is written too, the incoming directory goes
        SegmentAssembly late = new SegmentAssembly("cam", "s1", "seg-0");
        late.add(stored.get(10), 0, false);
        new SegmentWriter(data, new MjpegCopyMuxer(), new DetectionMatcher(metrics), metrics).write(late, "timeout");
        assertThat(incoming).doesNotExist();
        assertThat(Files.list(data.resolve("segments/cam")).count()).isEqualTo(1);
    }
}
