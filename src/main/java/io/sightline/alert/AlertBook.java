package io.sightline.alert;

import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.Detection;
import io.sightline.wire.DetectionDatagram;
import io.sightline.wire.FrameMeta;
import io.sightline.wire.InvalidInputException;
import io.sightline.wire.Json;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.HashMap;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.UUID;

/**
 * Raises, confirms and keeps alerts. The UDP path raises an alert the moment a matching detection arrives; the
 * HTTP path sees the same frame later with the same detections and either confirms that alert (adding the
 * segment it falls in) or, when every datagram was lost, raises it itself: one alert per event either way,
 * because after an alert the device's cooldown (by capture time) suppresses the others. Every change is
 * appended to {@code alerts.jsonl} (one JSON snapshot per line, the last one of an id wins) before it is
 * published, so alerts survive restarts and outlive the segments retention deletes. An alert's id is made from its
 * frame, so consoles that evaluate the same detections (a cluster) name the same event alike.
 */
public class AlertBook {

    private static final Logger LOG = LoggerFactory.getLogger(AlertBook.class);
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);
    /** Alerts kept in memory for the API; older ones stay in the file. */
    static final int KEPT = 10_000;

    /**
     * Body of the {@code alerts} route after evaluation, and of every other change: the alert, whether it is new, and
     * what happened ({@code type}, for the integrations' events): raised, confirmed (its frame arrived), acknowledged,
     * reviewed, or updated (another console's change applied here).
     */
    public record Change(Alert alert, boolean raised, String type) {
    }

    private final AlertRules rules;
    private final Path file;
    private final SightlineMetrics metrics;
    private final LinkedHashMap<String, Alert> alerts = new LinkedHashMap<>();
    /** Ids of each device's latest alerts, newest last: what the cooldown looks at. */
    private final Map<String, Deque<String>> recent = new HashMap<>();

    public AlertBook(AlertRules rules, Path file, SightlineMetrics metrics) {
        this.rules = rules;
        this.file = file;
        this.metrics = metrics;
        load();
        metrics.gauge("alerts.unacknowledged", this, AlertBook::unacknowledged);
    }

    private void load() {
        if (!Files.exists(file)) {
            return;
        }
        try {
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                if (!line.isBlank()) {
                    try {
                        remember(Json.MAPPER.readValue(line, Alert.class));
                    } catch (IOException e) {
                        LOG.warn("Skipping an unreadable line of {} (a torn write at a crash?)", file);
                    }
                }
            }
            LOG.info("Loaded {} alerts from {}", alerts.size(), file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    /** Step of the {@code alerts} route: body is a {@link DetectionDatagram} (UDP) or a {@link FrameMeta} (HTTP). */
    public Change evaluate(@Body Object body) {
        if (body instanceof DetectionDatagram d) {
            return DetectionDatagram.DETECTIONS.equals(d.type())
                    ? evaluate(d.device(), d.stream(), d.frame(), d.t(), d.detections(), null) : null;
        }
        FrameMeta m = (FrameMeta) body;
        return evaluate(m.device(), m.stream(), m.frame(), m.captureTime(), m.detections(), m.segment());
    }

    private synchronized Change evaluate(String device, String stream, long frame, long time, List<Detection> found,
                                         String segment) {
        List<Detection> matching = rules.matching(found);
        if (matching.isEmpty()) {
            return null;
        }
        // named after its frame: the same event gets the same id wherever it is evaluated (several consoles, or a
        // console that evaluates a detection again after a restart)
        String id = UUID.nameUUIDFromBytes((device + "/" + stream + "/" + frame).getBytes(StandardCharsets.UTF_8)).toString();
        Alert near = alerts.containsKey(id) ? alerts.get(id) : recent.getOrDefault(device, new ArrayDeque<>()).stream()
                .map(alerts::get).filter(a -> a != null && Math.abs(a.time() - time) < rules.cooldownMillis())
                .reduce((a, b) -> b).orElse(null);
        if (near != null) {
            boolean sameFrame = near.stream().equals(stream) && near.frame() == frame;
            if (segment != null && sameFrame && !near.confirmed()) {
                return new Change(save(near.confirmedIn(segment)), false, "confirmed");
            }
            return null;
        }
        long now = System.currentTimeMillis();
        Alert alert = new Alert(id, device, stream, frame, time, now, segment == null ? "udp" : "http", matching, segment,
                DAY.format(Instant.ofEpochMilli(time)), segment != null, null, null, now, null, null);
        metrics.counter("alerts.raised", "device", device, "path", alert.raisedBy()).increment();
        LOG.info("Alert {} on {}: {} at frame {}", alert.id(), device, matching, frame);
        return new Change(save(alert), true, "raised");
    }

    /** {@code POST /api/v1/alerts/{id}/ack} by the operator {@code by}: the alert (acknowledging twice keeps the first). */
    public Change acknowledge(String id, String by) {
        return mark(id, "acknowledged", a -> a.acknowledgedAt() != null, a -> a.acknowledged(System.currentTimeMillis(), by));
    }

    /** {@code POST /api/v1/alerts/{id}/review} by {@code by}: the alert, marked as looked at (the first review stays). */
    public Change review(String id, String by) {
        return mark(id, "reviewed", a -> a.reviewedAt() != null, a -> a.reviewed(System.currentTimeMillis(), by));
    }

    private synchronized Change mark(String id, String type, java.util.function.Predicate<Alert> done,
                                     java.util.function.UnaryOperator<Alert> marked) {
        Alert a = id == null ? null : alerts.get(id);
        if (a == null) {
            throw new InvalidInputException(404, "unknown-alert", "no alert " + id);
        }
        return new Change(done.test(a) ? a : save(marked.apply(a)), false, type);
    }

    /**
     * Step of a console on the Kafka bus: an alert as another console raised, confirmed or acknowledged it. Kept
     * when it is new here or has come further than the copy here; the change, or null when this console has it.
     */
    public synchronized Change apply(@Body Alert alert) {
        Alert known = alerts.get(alert.id());
        Alert merged = known == null ? alert : known.mergedWith(alert); // an ack here and a review there: both stay
        if (merged.equals(known)) {
            return null;
        }
        return new Change(save(merged), known == null, known == null ? "raised" : "updated");
    }

    /** {@code GET /api/v1/alerts}: newest first, optionally of one device. */
    public synchronized List<Alert> list(@Header("device") String device, @Header("limit") Integer limit,
                                         @Header("reviewed") Boolean reviewed) {
        int max = limit == null ? 200 : Math.max(1, Math.min(limit, KEPT));
        List<Alert> list = new ArrayList<>(alerts.values());
        list.sort(Comparator.comparingLong(Alert::raisedAt).reversed());
        return list.stream().filter(a -> device == null || a.device().equals(device))
                .filter(a -> reviewed == null || reviewed == (a.reviewedAt() != null)).limit(max).toList();
    }

    /**
     * The alerts as they are now that changed at or after {@code since} (ms), oldest change first: what a console
     * that reconnects with {@code Last-Event-ID} missed (a change it saw again is shown as it is: harmless).
     */
    public synchronized List<Alert> changedSince(long since) {
        return alerts.values().stream().filter(a -> a.changedAt() >= since)
                .sorted(Comparator.comparingLong(Alert::changedAt)).toList();
    }

    public synchronized int unacknowledged() {
        return (int) alerts.values().stream().filter(a -> a.acknowledgedAt() == null).count();
    }

    private Alert save(Alert alert) {
        byte[] line = (Json.text(alert) + "\n").getBytes(StandardCharsets.UTF_8);
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            out.write(ByteBuffer.wrap(line));
            out.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to " + file, e);
        }
        remember(alert);
        return alert;
    }

    private void remember(Alert alert) {
        if (alerts.remove(alert.id()) == null) {
            Deque<String> ids = recent.computeIfAbsent(alert.device(), d -> new ArrayDeque<>());
            ids.addLast(alert.id());
            if (ids.size() > 8) {
                ids.pollFirst();
            }
        }
        alerts.put(alert.id(), alert);
        trim();
    }

    private void trim() {
        var it = alerts.entrySet().iterator();
        while (alerts.size() > KEPT && it.hasNext()) {
            it.next();
            it.remove();
        }
    }
}
