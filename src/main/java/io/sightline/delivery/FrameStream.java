package io.sightline.delivery;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.wire.Json;
import io.sightline.wire.StreamFrames;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The sending end of the streamed ingest: a few WebSockets to the receiver's {@code /api/v1/stream} carry every
 * frame of this sender, spread over them by sequence number (docs/protocol.md). Each is opened by the first frame
 * that goes on it, and again by the next one after it closed, authenticated once at its upgrade. An upgrade
 * not answered within the connect timeout is given up and its connection closed (a proxy or NAT may take the TCP
 * connection while the receiver behind it is out of reach): the next frame opens a new one. {@link #send} is
 * called by the route threads that deliver frames (the live lane's and the archive lane's), each waiting for its
 * frame's acknowledgement, so the frames in flight are bounded by those threads. A frame whose connection closes before its acknowledgement (or closes while it
 * opens) is sent again on a new connection, at most twice (the receiver answers a frame it has already stored as a
 * duplicate); if that fails too, or no
 * acknowledgement comes within the response timeout, the call fails and the caller spools or retries the frame,
 * as after a failed POST. A connection whose acknowledgement is overdue is left at once, its other frames sent
 * again on a new one, and closed: it may be dead.
 */
public class FrameStream implements AutoCloseable {

    /**
     * How often a frame goes again on a new connection after the one it went on (or the one opening for it) closed:
     * one reset can close a connection and, a moment later, the one opening to replace it.
     */
    private static final int RESENDS = 2;

    /** The connection closed before the frame's acknowledgement came. */
    private static final class ConnectionLost extends IOException {
        ConnectionLost(String message) {
            super(message);
        }
    }

    private record Ack(int status, String answer) {
    }

    private final Vertx vertx;
    private final boolean ownsVertx;
    private final WebSocketClient client;
    private final WebSocketConnectOptions connect;
    private final long connectTimeoutMillis;
    private final long responseTimeoutNanos;
    private final AtomicLong seqs = new AtomicLong();
    private final long pings;
    private final CompletableFuture<Link>[] links; // guarded by this; frame seq goes on links[seq % length]

    /**
     * @param vertx         the event loop of the connections
     * @param ownsVertx     whether closing this stream closes {@code vertx} too
     * @param authorization the device's {@code Authorization} header, presented once per connection
     * @param ssl           {@code wss} (the receiver has TLS), trusting {@code options}' trust store or the JVM's
     * @param connections   connections the frames are spread over: on a lossy link a lost packet holds up only the
     *                      frames behind it on its own connection
     * @param pingMillis    a ping this often keeps a quiet connection (an operator's WAIT) under the receiver's idle timeout
     */
    @SuppressWarnings("unchecked")
    public FrameStream(Vertx vertx, boolean ownsVertx, WebSocketClientOptions options, String host, int port, boolean ssl, String authorization,
                       int connections, long connectTimeoutMillis, long responseTimeoutMillis, long pingMillis) {
        this.vertx = vertx;
        this.ownsVertx = ownsVertx;
        this.client = vertx.createWebSocketClient(options.setSsl(ssl).setVerifyHost(ssl));
        this.connect = new WebSocketConnectOptions().setHost(host).setPort(port).setSsl(ssl)
                .setURI(StreamFrames.PATH).setConnectTimeout(connectTimeoutMillis).setTimeout(connectTimeoutMillis)
                .putHeader("Authorization", authorization);
        this.connectTimeoutMillis = connectTimeoutMillis;
        this.responseTimeoutNanos = TimeUnit.MILLISECONDS.toNanos(responseTimeoutMillis);
        this.links = new CompletableFuture[connections];
        this.pings = vertx.setPeriodic(pingMillis, id -> ping());
    }

    /**
     * Route step in place of the POST: the frame (body: its JPEG; its Sightline-* headers) over the stream; its
     * acknowledgement as the POST's would be, status in {@code CamelHttpResponseCode}, answer as the body.
     */
    public void send(Exchange exchange) throws IOException, InterruptedException {
        Message message = exchange.getMessage();
        long seq = seqs.incrementAndGet();
        byte[] frame = StreamFrames.encode(seq, message.getHeaders(), message.getBody(byte[].class));
        long deadline = System.nanoTime() + responseTimeoutNanos;
        Ack ack = null;
        for (int tries = 1; ack == null; tries++) {
            try {
                ack = attempt(seq, frame, deadline);
            } catch (ConnectionLost lost) {
                if (tries > RESENDS) {
                    throw lost;
                } // else resumed on a new connection; a stored frame is answered 200
            }
        }
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, ack.status());
        message.setBody(ack.answer());
    }

    private Ack attempt(long seq, byte[] frame, long deadline) throws IOException, InterruptedException {
        Link current = link(seq, deadline);
        CompletableFuture<Ack> ack = current.send(seq, frame);
        try {
            return ack.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            // left at once, its other frames to a new connection: on a dead link the close handshake would hold
            // the connection open, and take the frames that come meanwhile, for as long as the closing timeout
            current.lost();
            current.ws.close((short) 1001, "acknowledgement overdue");
            throw new Delivery.ReceiverUnavailableException("no acknowledgement of stream frame " + seq + " in time");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }

    /** The open connection frame {@code seq} goes on, or a new one. */
    private Link link(long seq, long deadline) throws IOException, InterruptedException {
        CompletableFuture<Link> opening;
        int slot = (int) (seq % links.length);
        synchronized (this) {
            CompletableFuture<Link> link = links[slot];
            if (link == null || link.isCompletedExceptionally() || (link.isDone() && link.join().closed)) {
                CompletableFuture<Link> next = new CompletableFuture<>();
                client.connect(connect).onSuccess(ws -> next.complete(new Link(ws)))
                        .onFailure(next::completeExceptionally);
                links[slot] = next;
            }
            opening = links[slot];
        }
        long wait = Math.min(TimeUnit.MILLISECONDS.toNanos(connectTimeoutMillis), deadline - System.nanoTime());
        try {
            return opening.get(Math.max(0, wait), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new IOException("the stream to the receiver did not open in time");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof io.netty.handler.codec.http.websocketx.WebSocketHandshakeException) {
                // the receiver took the connection, and it closed during the upgrade: lost, as an open one can be
                throw new ConnectionLost("the stream closed while it opened: " + e.getCause().getMessage());
            }
            throw new IOException("the stream to the receiver did not open: " + e.getCause().getMessage(), e.getCause());
        }
    }

    private void ping() {
        CompletableFuture<Link>[] current;
        synchronized (this) {
            current = links.clone();
        }
        for (CompletableFuture<Link> link : current) {
            if (link != null && link.isDone() && !link.isCompletedExceptionally() && !link.join().closed) {
                link.join().ws.writePing(Buffer.buffer());
            }
        }
    }

    @Override
    public void close() {
        vertx.cancelTimer(pings);
        client.close().onComplete(closed -> {
            if (ownsVertx) {
                vertx.close();
            }
        });
    }

    /** One connection and the frames waiting for their acknowledgements on it. */
    private static final class Link {
        private final WebSocket ws;
        private final Map<Long, CompletableFuture<Ack>> waiting = new ConcurrentHashMap<>();
        private volatile boolean closed;

        Link(WebSocket ws) {
            this.ws = ws;
            ws.textMessageHandler(this::acknowledged);
            ws.closeHandler(none -> lost());
            ws.exceptionHandler(failure -> ws.close());
        }

        CompletableFuture<Ack> send(long seq, byte[] frame) {
            CompletableFuture<Ack> ack = new CompletableFuture<>();
            waiting.put(seq, ack);
            if (closed) { // closed before the frame was registered: lost() did not see it
                waiting.remove(seq);
                ack.completeExceptionally(new ConnectionLost("the stream closed"));
            } else {
                ws.writeBinaryMessage(Buffer.buffer(frame));
            }
            return ack;
        }

        private void acknowledged(String text) {
            JsonNode ack;
            try {
                ack = Json.MAPPER.readTree(text);
            } catch (IOException e) {
                ws.close((short) 1007, "an acknowledgement is JSON");
                return;
            }
            CompletableFuture<Ack> waiter = waiting.remove(ack.path("seq").asLong(-1));
            if (waiter != null) {
                waiter.complete(new Ack(ack.path("status").asInt(), ack.path("answer").toString()));
            }
        }

        private void lost() {
            closed = true;
            waiting.values().forEach(ack -> ack.completeExceptionally(new ConnectionLost("the stream closed")));
            waiting.clear();
        }
    }
}
