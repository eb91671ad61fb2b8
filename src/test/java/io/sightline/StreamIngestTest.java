package io.sightline;

import io.sightline.delivery.FrameStream;
import io.sightline.faults.ImpairmentProxy;
import io.sightline.wire.StreamFrames;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClientOptions;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The streamed ingest, end to end: the product's stream client against a real receiver over real sockets. */
class StreamIngestTest {

    @TempDir
    static Path data;
    static Map<String, String> settings;
    static Sightline receiver;
    static final DefaultCamelContext EXCHANGES = new DefaultCamelContext();
    /** Capture time of frame 0; frames follow 50 ms apart, as at 20 fps. */
    static final long CAPTURED = System.currentTimeMillis();

    @BeforeAll
    static void start() throws Exception {
        settings = Harness.receiver(data);
        receiver = Sightline.start(settings);
    }

    @AfterAll
    static void stop() throws Exception {
        receiver.close();
    }

    @Test
    void streamedFramesAreAcknowledgedOnceStoredAndStoredOnce() throws Exception {
        byte[] jpeg = Harness.syntheticJpeg(320, 240, 80);
        try (FrameStream stream = stream(port(), "stream-cam")) {
            Exchange first = send(stream, frame("stream-cam", 0, 30), jpeg);
            assertThat(first.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(201);
            assertThat(first.getMessage().getBody(String.class)).contains("\"duplicate\":false");
            // acknowledged means on disk: the JPEG is in its segment's frame log before the segment is written
            assertThat(Files.readAllBytes(data.resolve("incoming/stream-cam/s1/s1-0/frames.log")))
                    .containsSequence(jpeg);

            List<Integer> statuses = sendAll(stream, "stream-cam", 1, 30, 30, 4, jpeg);
            assertThat(statuses).containsOnly(201);
            Exchange again = send(stream, frame("stream-cam", 5, 30), jpeg);
            assertThat(again.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE)).isEqualTo(200);
            assertThat(again.getMessage().getBody(String.class)).contains("\"duplicate\":true");
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> Segments.framesWritten(data, "stream-cam") == 30);
        assertThat(Segments.framesByStream(data, "stream-cam"))
                .containsExactly(Map.entry("s1", LongStream.range(0, 30).boxed().toList()));
    }

    @Test
    void theUpgradeNeedsTheDevicesToken() throws Exception {
        assertThat(refusal("Bearer " + Harness.deviceToken("cam-a").replace("cam-a", "cam-b")).statusCode()).isEqualTo(401);
        assertThat(refusal("Bearer " + Harness.OPERATOR).statusCode()).isEqualTo(403);

        HttpResponse<String> plain = Harness.get(Harness.base(settings) + StreamFrames.PATH);
        assertThat(plain.statusCode()).isEqualTo(400);
        assertThat(plain.body()).contains("not-websocket");
    }

    @Test
    void aDamagedFrameOrAnotherDevicesFrameIsAnsweredAndCountedAndTheStreamGoesOn() throws Exception {
        byte[] jpeg = Harness.syntheticJpeg(320, 240, 80);
        BlockingQueue<String> acks = new LinkedBlockingQueue<>();
        WebSocket ws = Harness.HTTP.newWebSocketBuilder().header("Authorization", "Bearer " + Harness.deviceToken("raw-cam"))
                .buildAsync(URI.create("ws://127.0.0.1:" + port() + StreamFrames.PATH), collecting(acks)).get(10, TimeUnit.SECONDS);
        double before = MonitoringTest.value(MonitoringTest.scrape(settings), "sightline_frames_rejected_total{reason=\"invalid-stream-frame\"}");

        byte[] damaged = StreamFrames.encode(1, frame("raw-cam", 0, 10), jpeg);
        damaged[damaged.length - 100] ^= 0x40;
        ws.sendBinary(ByteBuffer.wrap(damaged), true).get(10, TimeUnit.SECONDS);
        assertThat(acks.poll(10, TimeUnit.SECONDS)).contains("\"seq\":1").contains("\"status\":400").contains("invalid-stream-frame");

        ws.sendBinary(ByteBuffer.wrap(StreamFrames.encode(2, frame("other-cam", 0, 10), jpeg)), true).get(10, TimeUnit.SECONDS);
        assertThat(acks.poll(10, TimeUnit.SECONDS)).contains("\"seq\":2").contains("\"status\":403");

        ws.sendBinary(ByteBuffer.wrap(StreamFrames.encode(3, frame("raw-cam", 0, 10), jpeg)), true).get(10, TimeUnit.SECONDS);
        assertThat(acks.poll(10, TimeUnit.SECONDS)).contains("\"seq\":3").contains("\"status\":201");
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(10, TimeUnit.SECONDS);
        assertThat(MonitoringTest.value(MonitoringTest.scrape(settings), "sightline_frames_rejected_total{reason=\"invalid-stream-frame\"}"))
                .isEqualTo(before + 1);
    }

    @Test
    void framesInFlightWhenTheConnectionIsResetAreSentAgainAndStoredOnce() throws Exception {
        byte[] jpeg = Harness.syntheticJpeg(320, 240, 80);
        int frames = 200;
        try (ImpairmentProxy proxy = new ImpairmentProxy(port(), Harness.freeUdpPort());
             FrameStream stream = stream(proxy.tcpPort(), "reset-cam")) {
            AtomicInteger acknowledged = new AtomicInteger();
            ExecutorService resetter = Executors.newSingleThreadExecutor();
            Future<?> reset = resetter.submit(() -> {
                await().atMost(Duration.ofSeconds(60)).until(() -> acknowledged.get() >= 60);
                proxy.resetConnections();
                return null;
            });
            List<Integer> statuses = sendAll(stream, "reset-cam", 0, frames, 50, 8, jpeg, acknowledged);
            reset.get(60, TimeUnit.SECONDS);
            resetter.shutdown();
            assertThat(statuses).hasSize(frames).allMatch(s -> s == 200 || s == 201);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> Segments.framesWritten(data, "reset-cam") == frames);
        assertThat(Segments.framesByStream(data, "reset-cam"))
                .containsExactly(Map.entry("s1", LongStream.range(0, frames).boxed().toList()));
    }

    @Test
    void aFrameThatCannotBeDeliveredFailsTheCallForTheSpool() throws Exception {
        try (FrameStream stream = stream(Harness.freeTcpPort(), "nobody-cam")) {
            byte[] jpeg = Harness.syntheticJpeg(64, 48, 80);
            assertThatThrownBy(() -> send(stream, frame("nobody-cam", 0, 10), jpeg))
                    .isInstanceOf(java.io.IOException.class);
        }
    }

    private static int port() {
        return Integer.parseInt(settings.get("sightline.receiver.http-port"));
    }

    private static FrameStream stream(int port, String device) {
        return new FrameStream(Vertx.vertx(), true, new WebSocketClientOptions(), "127.0.0.1", port, false,
                "Bearer " + Harness.deviceToken(device), 2, 3000, 10_000, 20_000);
    }

    /** The headers the sender's route gives a frame, in segments of {@code perSegment} frames. */
    private static Map<String, Object> frame(String device, long n, int perSegment) {
        long segment = n / perSegment;
        Map<String, Object> headers = new HashMap<>(Harness.frameHeaders(device, "s1", n, CAPTURED + n * 50,
                "s1-" + segment, (n + 1) % perSegment == 0));
        headers.put("Sightline-Segment-First", segment * perSegment);
        return headers;
    }

    private static Exchange send(FrameStream stream, Map<String, Object> headers, byte[] jpeg) throws Exception {
        Exchange exchange = new DefaultExchange(EXCHANGES);
        exchange.getMessage().setHeaders(headers);
        exchange.getMessage().setBody(jpeg);
        stream.send(exchange);
        return exchange;
    }

    private static List<Integer> sendAll(FrameStream stream, String device, long from, long to, int perSegment, int threads,
                                         byte[] jpeg) throws Exception {
        return sendAll(stream, device, from, to, perSegment, threads, jpeg, new AtomicInteger());
    }

    /** Frames {@code from..to-1} from {@code threads} threads at once, as the sender's route threads do. */
    private static List<Integer> sendAll(FrameStream stream, String device, long from, long to, int perSegment, int threads,
                                         byte[] jpeg, AtomicInteger acknowledged) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> answers = new ArrayList<>();
            for (long n = from; n < to; n++) {
                long frame = n;
                answers.add(pool.submit(() -> {
                    Exchange done = send(stream, StreamIngestTest.frame(device, frame, perSegment), jpeg);
                    acknowledged.incrementAndGet();
                    return done.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
                }));
            }
            List<Integer> statuses = new ArrayList<>();
            for (Future<Integer> answer : answers) {
                statuses.add(answer.get(60, TimeUnit.SECONDS));
            }
            return statuses;
        } finally {
            pool.shutdownNow();
        }
    }

    private static HttpResponse<?> refusal(String authorization) throws Exception {
        try {
            Harness.HTTP.newWebSocketBuilder().header("Authorization", authorization)
                    .buildAsync(URI.create("ws://127.0.0.1:" + port() + StreamFrames.PATH), collecting(new LinkedBlockingQueue<>()))
                    .get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof WebSocketHandshakeException refused) {
                return refused.getResponse();
            }
            throw e;
        }
        throw new AssertionError("the upgrade was accepted");
    }

    private static WebSocket.Listener collecting(BlockingQueue<String> texts) {
        return new WebSocket.Listener() {
            private final StringBuilder text = new StringBuilder();

            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                text.append(data);
                if (last) {
                    texts.add(text.toString());
                    text.setLength(0);
                }
                ws.request(1);
                return null;
            }
        };
    }
}
