package io.sightline.live;

import org.apache.camel.Exchange;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.function.Consumer;

/**
 * A {@code text/event-stream} response: queued events are written as they come, each with its id (a browser's
 * EventSource sends the last one back as {@code Last-Event-ID} when it reconnects), and a comment after 15 s of
 * silence keeps proxies from closing the stream. A viewer that cannot keep up loses its oldest events.
 */
public class EventStream extends ResponseStream {

    static final int QUEUE = 128;
    private static final long KEEPALIVE_MILLIS = 15_000;

    private final ArrayDeque<String> queue = new ArrayDeque<>();
    private boolean connected;

    EventStream(Exchange exchange, Consumer<ResponseStream> onClose) {
        super(exchange, "text/event-stream", onClose);
    }

    /** How long a browser waits before it reconnects, ms (sent first). */
    static final long RETRY_MILLIS = 2000;

    synchronized void offer(String type, long id, String json) {
        if (queue.size() >= QUEUE) {
            queue.pollFirst();
        }
        queue.addLast("id: " + id + "\nevent: " + type + "\ndata: " + json + "\n\n");
        notifyAll();
    }

    @Override
    synchronized byte[] next() throws InterruptedException {
        if (!connected) {
            connected = true;
            return (": connected\nretry: " + RETRY_MILLIS + "\n\n").getBytes(StandardCharsets.UTF_8);
        }
        long deadline = System.currentTimeMillis() + KEEPALIVE_MILLIS;
        for (long left = KEEPALIVE_MILLIS; !isClosed() && queue.isEmpty() && left > 0;
             left = deadline - System.currentTimeMillis()) {
            wait(left);
        }
        return (queue.isEmpty() ? ": keep-alive\n\n" : queue.pollFirst()).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    synchronized void wake() {
        notifyAll();
    }
}
