package io.sightline.live;

import io.sightline.alert.AlertBook;
import io.sightline.wire.FrameHeaders;
import io.sightline.wire.FrameMeta;
import io.sightline.wire.InvalidInputException;
import io.sightline.wire.JpegCheck;
import io.sightline.wire.Json;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.component.platform.http.vertx.HttpMessage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Server-Sent Events for the console ({@code GET /api/v1/events}): an {@code alert} event for every new or
 * changed alert, and a {@code frame} event (device, frame number, capture time, size, detections) for every
 * frame published to the live view, which the console draws over the video. Each viewer has a small queue; a
 * viewer that falls behind loses its oldest events, never slows ingest.
 */
public class LiveEvents {

    private final Set<EventStream> viewers = ConcurrentHashMap.newKeySet();
    private final int maxViewers;

    public LiveEvents(int maxViewers) {
        this.maxViewers = maxViewers;
    }

    /** Step of {@code frames-in} after the frame was published to the live view. */
    public void frame(Exchange exchange) {
        if (viewers.isEmpty()) {
            return;
        }
        FrameMeta meta = exchange.getProperty(FrameHeaders.FRAME_PROPERTY, FrameMeta.class);
        JpegCheck.Size size = exchange.getProperty(JpegCheck.SIZE_PROPERTY, JpegCheck.Size.class);
        Map<String, Object> event = new LinkedHashMap<>();
        event.put("device", meta.device());
        event.put("stream", meta.stream());
        event.put("frame", meta.frame());
        event.put("t", meta.captureTime());
        event.put("width", size.width());
        event.put("height", size.height());
        event.put("detections", meta.detections());
        send("frame", Json.text(event));
    }

    /** Step of the {@code alerts} route and of acknowledgement: every viewer sees the alert as it is now. */
    public void alert(@Body AlertBook.Change change) {
        send("alert", Json.text(change.alert()));
    }

    private void send(String type, String json) {
        for (EventStream viewer : viewers) {
            viewer.offer(type, json);
        }
    }

    /** {@code GET /api/v1/events}: opens the event stream, ended when the viewer goes away. */
    public EventStream open(Exchange exchange) {
        if (viewers.size() >= maxViewers) {
            throw new InvalidInputException(503, "too-many-viewers", "at most " + maxViewers + " event streams at once");
        }
        EventStream stream = new EventStream(viewers::remove);
        viewers.add(stream);
        if (exchange.getIn() instanceof HttpMessage http && http.getResponse() != null) {
            http.getResponse().closeHandler(v -> stream.close());
        }
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "text/event-stream");
        exchange.getMessage().setHeader("Cache-Control", "no-store");
        return stream;
    }

    public void closeStreams() {
        new ArrayList<>(viewers).forEach(EventStream::close);
    }
}
