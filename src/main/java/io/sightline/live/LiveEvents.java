package io.sightline.live;

import io.sightline.alert.AlertBook;
import io.sightline.wire.InvalidInputException;
import io.sightline.wire.Json;
import org.apache.camel.Body;
import org.apache.camel.Exchange;

import java.util.ArrayList;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Server-Sent Events for the console ({@code GET /api/v1/events}): an {@code alert} event for every new or
 * changed alert. (Detections for the live overlay travel inside the MJPEG parts, with their frame.) Each viewer
 * has a small queue; a viewer that falls behind loses its oldest events, never slows the alert path.
 */
public class LiveEvents {

    private final Set<ResponseStream> viewers = ConcurrentHashMap.newKeySet();
    private final int maxViewers;

    public LiveEvents(int maxViewers) {
        this.maxViewers = maxViewers;
    }

    /** Step of the {@code alerts} route and of acknowledgement: every viewer sees the alert as it is now. */
    public void alert(@Body AlertBook.Change change) {
        send("alert", Json.text(change.alert()));
    }

    private void send(String type, String json) {
        for (ResponseStream viewer : viewers) {
            ((EventStream) viewer).offer(type, json);
        }
    }

    /** {@code GET /api/v1/events}: streams events; returns when the viewer goes away. */
    public void open(Exchange exchange) {
        if (viewers.size() >= maxViewers) {
            throw new InvalidInputException(503, "too-many-viewers", "at most " + maxViewers + " event streams at once");
        }
        EventStream stream = new EventStream(exchange, viewers::remove);
        viewers.add(stream);
        stream.run();
    }

    public void closeStreams() {
        new ArrayList<>(viewers).forEach(ResponseStream::close);
    }
}
