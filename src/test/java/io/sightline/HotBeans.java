package io.sightline;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sightline.auth.DeviceAuth;
import io.sightline.auth.OperatorToken;
import io.sightline.capture.JpegEncoder;
import io.sightline.capture.SyntheticSource;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.segment.FrameRef;
import io.sightline.segment.FrameStore;
import io.sightline.wire.DeviceKeys;
import io.sightline.wire.FrameHeaders;
import io.sightline.wire.JpegCheck;
import io.sightline.wire.MasterKeys;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.bytedeco.opencv.opencv_core.Mat;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * JMH micro-benchmarks of the beans every frame passes through (run with {@code bin/bench --jmh}): the sender's
 * JPEG encoder, and on the receiver the token check, the metadata parsing and the durable store. The end-to-end
 * figures are the {@link io.sightline.Benchmark}'s; these say which bean a change made faster or slower.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class HotBeans {

    /** The sender's encoder on a 640×480 frame of the synthetic scene. */
    @State(Scope.Thread)
    public static class Encoding {
        final JpegEncoder encoder = new JpegEncoder(80);
        final SyntheticSource scene = new SyntheticSource(640, 480);
        Mat frame;

        @Setup
        public void open() throws Exception {
            scene.open();
            frame = scene.grab();
        }

        @TearDown
        public void close() {
            scene.close();
        }
    }

    @Benchmark
    public byte[] encodeJpeg640x480(Encoding state) {
        return state.encoder.encode(state.frame);
    }

    /** One frame request as {@code frames-in} sees it after the HTTP layer: headers, token, a 640×480 JPEG. */
    @State(Scope.Thread)
    public static class Request {
        final CamelContext camel = new DefaultCamelContext();
        final byte[] master = DeviceKeys.parse("master", DeviceKeys.random());
        final DeviceAuth auth = new DeviceAuth(MasterKeys.of(master), new OperatorToken(DeviceKeys.random()),
                new SightlineMetrics(new SimpleMeterRegistry()));
        final FrameHeaders headers = new FrameHeaders();
        String token;
        byte[] jpeg;

        @Setup
        public void open() throws Exception {
            token = "Bearer " + DeviceKeys.httpToken("cam", DeviceKeys.deviceKey(master, "cam"));
            SyntheticSource scene = new SyntheticSource(640, 480);
            scene.open();
            try {
                jpeg = new JpegEncoder(80).encode(scene.grab());
            } finally {
                scene.close();
            }
        }

        Exchange exchange(long frame) {
            Exchange exchange = new DefaultExchange(camel);
            var in = exchange.getMessage();
            in.setHeader("Authorization", token);
            in.setHeader(FrameHeaders.DEVICE, "cam");
            in.setHeader(FrameHeaders.STREAM, "s1");
            in.setHeader(FrameHeaders.FRAME, String.valueOf(frame));
            in.setHeader(FrameHeaders.CAPTURE_TIME, String.valueOf(1_700_000_000_000L + frame * 50));
            in.setHeader(FrameHeaders.SEGMENT, "seg-" + frame / 1000);
            in.setHeader(FrameHeaders.SEGMENT_LAST, "false");
            in.setHeader(FrameHeaders.DETECTIONS, "[{\"label\":\"person\",\"confidence\":0.91,\"box\":[10,20,30,40]}]");
            in.setBody(jpeg);
            return exchange;
        }
    }

    @Benchmark
    public Object checkTokenAndReadHeaders(Request request) {
        Exchange exchange = request.exchange(7);
        request.auth.check(exchange);
        return request.headers.read(exchange.getMessage());
    }

    /** The receiver's store: one frame appended to its segment's log, synced or not; segments of 1,000 frames. */
    @State(Scope.Thread)
    public static class Store {
        @Param({"false", "true"})
        public boolean fsync;

        final Request request = new Request();
        final List<FrameRef> segment = new ArrayList<>();
        Path data;
        FrameStore store;
        long frame;

        @Setup
        public void open() throws Exception {
            request.open();
            data = Files.createTempDirectory("sightline-jmh");
            store = new FrameStore(data, fsync, new SightlineMetrics(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)));
        }

        /** A written segment's frames are released, as the segment writer does: the log does not grow without end. */
        @Setup(Level.Invocation)
        public void nextSegment() throws IOException {
            if (segment.size() == 1000) {
                store.release(segment);
                segment.clear();
            }
        }

        @TearDown
        public void close() throws IOException {
            store.close();
            try (var files = Files.walk(data)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Benchmark
    public FrameRef storeFrame(Store state) {
        Exchange exchange = state.request.exchange(state.frame++);
        FrameRef ref = state.store.store(state.request.jpeg, state.request.headers.read(exchange.getMessage()),
                new JpegCheck.Size(640, 480), "full");
        state.segment.add(ref);
        return ref;
    }
}
