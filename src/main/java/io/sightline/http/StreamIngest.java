package io.sightline.http;

import io.micrometer.core.instrument.Counter;
import io.sightline.auth.DeviceAuth;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.InvalidInputException;
import io.sightline.wire.Json;
import io.sightline.wire.StreamFrames;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The receiving end of the streamed ingest: {@code GET /api/v1/stream} upgraded to a WebSocket
 * (docs/protocol.md). The device is authenticated once, at the upgrade (401 or 403 with JSON, before any frame);
 * then each binary message is one frame, handed on a worker thread to the route that reads and ingests it
 * ({@code direct:frames-stream}: the same checks and storage as a POST), and answered with a text
 * acknowledgement when that route is done, so after the durable write. At most {@code window} frames of one
 * connection are in the route at once; beyond that the connection is not read, and TCP holds the sender back.
 */
public class StreamIngest {

    private final ProducerTemplate route;
    private final String routeUri;
    private final DeviceAuth auth;
    private final int window;
    private final SightlineMetrics metrics;
    private final AtomicInteger open = new AtomicInteger();
    private WorkerExecutor workers;

    public StreamIngest(ProducerTemplate route, String routeUri, DeviceAuth auth, int window, SightlineMetrics metrics) {
        this.route = route;
        this.routeUri = routeUri;
        this.auth = auth;
        this.window = window;
        this.metrics = metrics;
        metrics.gauge("stream.connections", open, AtomicInteger::get);
    }

    /** Serves the stream on the receiver's HTTP server, ahead of its other handlers. */
    public void install(VertxPlatformHttpRouter router, int workerThreads) {
        workers = router.vertx().createSharedWorkerExecutor("sightline-stream-ingest", workerThreads);
        router.route(StreamFrames.PATH).order(-200).handler(this::upgrade);
    }

    private void upgrade(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        String device;
        try {
            if (!"websocket".equalsIgnoreCase(request.getHeader("Upgrade"))) {
                throw new InvalidInputException(400, "not-websocket", "this path takes a WebSocket upgrade (GET with "
                        + "Upgrade: websocket); single frames go to POST /api/v1/frames");
            }
            device = auth.deviceOf(request.getHeader("Authorization"));
        } catch (InvalidInputException refused) {
            metrics.counter("frames.rejected", "reason", refused.getError()).increment();
            Map<String, String> body = new LinkedHashMap<>();
            body.put("error", refused.getError());
            body.put("detail", refused.getDetail());
            if (refused.getStatus() == 401) {
                ctx.response().putHeader("WWW-Authenticate", "Bearer realm=\"sightline\"");
            }
            ctx.response().setStatusCode(refused.getStatus()).putHeader("Content-Type", "application/json")
                    .end(Json.text(body));
            return;
        }
        request.toWebSocket().onSuccess(ws -> new Connection(ws, device).open());
    }

    /** One sender's connection; its counters are touched on its event loop only. */
    private final class Connection {
        private final ServerWebSocket ws;
        private final String device;
        private int inRoute;
        private Counter streamed;

        Connection(ServerWebSocket ws, String device) {
            this.ws = ws;
            this.device = device;
        }

        void open() {
            open.incrementAndGet();
            streamed = metrics.counter("stream.frames", "device", device);
            ws.closeHandler(closed -> open.decrementAndGet());
            ws.binaryMessageHandler(this::frame);
            ws.textMessageHandler(text -> ws.close((short) 1003, "frames are binary messages"));
        }

        private void frame(Buffer message) {
            streamed.increment();
            if (++inRoute == window) {
                ws.pause();
            }
            byte[] bytes = message.getBytes();
            workers.<String>executeBlocking(() -> ingest(bytes), false).onComplete(done -> {
                if (!ws.isClosed()) {
                    ws.writeTextMessage(done.succeeded() ? done.result()
                            : StreamFrames.ack(StreamFrames.seq(bytes), 500, "{\"error\":\"internal\"}"));
                }
                if (inRoute-- == window) {
                    ws.resume();
                }
            });
        }

        /** The frame through its route; the acknowledgement is what a POST of it would have been answered. */
        private String ingest(byte[] message) {
            Exchange done = route.send(routeUri, exchange -> {
                exchange.setProperty("device", device);
                exchange.getMessage().setBody(message);
            });
            Integer status = done.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, Integer.class);
            return StreamFrames.ack(StreamFrames.seq(message), status == null ? 500 : status,
                    done.getMessage().getBody(String.class));
        }
    }
}
