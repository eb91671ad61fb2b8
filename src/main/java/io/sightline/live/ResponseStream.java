package io.sightline.live;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import org.apache.camel.Exchange;
import org.apache.camel.component.platform.http.vertx.HttpMessage;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * An endless HTTP response written straight to the Vert.x response from the route's own worker thread, until the
 * viewer goes away or the receiver stops. (Returning an InputStream body instead would hand it to Camel's
 * stream pump, which reads in 16 KiB blocks on an ordered executor shared by the connections of one event loop:
 * one waiting stream would hold up the others.) A viewer slower than the stream is skipped over, never queued
 * for: while its write queue is full nothing more is written to it.
 */
abstract class ResponseStream {

    private static final long DRAIN_WAIT_MILLIS = 100;

    private final HttpServerResponse response;
    private final Consumer<ResponseStream> onClose;
    private volatile boolean closed;

    ResponseStream(Exchange exchange, String contentType, Consumer<ResponseStream> onClose) {
        this.onClose = onClose;
        this.response = exchange.getIn() instanceof HttpMessage http ? http.getResponse() : null;
        if (response == null) {
            throw new IllegalStateException("a streamed response needs the platform-http (Vert.x) consumer");
        }
        response.setChunked(true);
        response.putHeader("Content-Type", contentType);
        response.putHeader("Cache-Control", "no-store");
        response.closeHandler(v -> close());
        response.exceptionHandler(e -> close());
    }

    /** Writes until the viewer goes away; called by the route's bean step, returns when the stream is over. */
    void run() {
        try {
            while (!closed) {
                byte[] next = next();
                if (next != null && !closed && writable()) {
                    response.write(Buffer.buffer(next));
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            close();
            if (!response.ended() && !response.closed()) {
                response.end();
            }
        }
    }

    /** The next bytes to write, waiting for them (and returning keep-alive bytes now and then); null: nothing yet. */
    abstract byte[] next() throws InterruptedException;

    /** Called by {@link #close()}: wake up a {@link #next()} that waits. */
    abstract void wake();

    boolean isClosed() {
        return closed;
    }

    /** Whether the viewer takes more now: a viewer that is behind gets a moment to drain, else this item is skipped. */
    private boolean writable() throws InterruptedException {
        if (response.writeQueueFull()) {
            CountDownLatch drained = new CountDownLatch(1);
            response.drainHandler(v -> drained.countDown());
            if (response.writeQueueFull()) {
                drained.await(DRAIN_WAIT_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
        return !response.writeQueueFull() && !closed;
    }

    void close() {
        if (!closed) {
            closed = true;
            onClose.accept(this);
            wake();
        }
    }
}
