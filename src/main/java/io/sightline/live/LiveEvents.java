package io.sightline.live;

import io.sightline.alert.Alert;
import io.sightline.alert.AlertBook;
import io.sightline.wire.InvalidInputException;
import io.sightline.wire.Json;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Header;

import java.util.ArrayList;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Server-Sent Events for the console ({@code GET /api/v1/events}): an {@code alert} event for every new or
 * changed alert, its id the time of the change. A console that reconnects (its browser sends the last id as
 * {@code Last-Event-ID}; a page's first connection may say {@code ?since=}) is first sent every alert that changed
 * since, from the alert book, so no alert is missed across a reconnect or a receiver restart. (Detections for the
 * live overlay travel inside the MJPEG parts, with their frame.) Each viewer has a small queue; a viewer that falls
 * behind loses its oldest events, never slows the alert path.
 */
public class LiveEvents {

    private final Set<ResponseStream> viewers = ConcurrentHashMap.newKeySet();
    private final AlertBook alerts;
    private final int maxViewers;

    public LiveEvents(AlertBook alerts, int maxViewers) {
        this.alerts = alerts;
        this.maxViewers = maxViewers;
    }

    /** Step of the {@code alerts} route and of acknowledgement: every viewer sees the alert as it is now. */
    public void alert(@Body AlertBook.Change change) {
        for (ResponseStream viewer : viewers) {
            offer((EventStream) viewer, change.alert());
        }
    }

    private static void offer(EventStream viewer, Alert alert) {
        viewer.offer("alert", alert.changedAt(), Json.text(alert));
    }

    /** {@code GET /api/v1/events}: streams events, first those since the viewer's last; returns when it goes away. */
    public void open(Exchange exchange, @Header("Last-Event-ID") String lastEventId, @Header("since") String since) {
        if (viewers.size() >= maxViewers) {
            throw new InvalidInputException(503, "too-many-viewers", "at most " + maxViewers + " event streams at once");
        }
        Long from = time(lastEventId != null ? lastEventId : since);
        EventStream stream = new EventStream(exchange, viewers::remove);
        viewers.add(stream); // before the replay: a change made meanwhile comes twice, never not at all
        if (from != null) {
            alerts.changedSince(from).forEach(a -> offer(stream, a));
        }
        stream.run();
    }

    private static Long time(String id) {
        if (id == null || id.isBlank()) {
            return null;
        }
        try {
            return Long.parseLong(id.trim());
        } catch (NumberFormatException e) {
            throw new InvalidInputException(400, "invalid-event-id", "Last-Event-ID and since are times in ms");
        }
    }

    /** Event streams open now (the gauge {@code sightline_live_event_viewers}). */
    public int viewers() {
        return viewers.size();
    }

    public void closeStreams() {
        new ArrayList<>(viewers).forEach(ResponseStream::close);
    }
}
