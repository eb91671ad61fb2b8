package io.sightline.index;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.alert.Alert;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.Detection;
import io.sightline.wire.Ids;
import io.sightline.wire.InvalidInputException;
import io.sightline.wire.Json;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The recordings in an embedded SQLite database ({@code <data-dir>/index.db}): every segment (from its sidecar),
 * every detection and every alert, so a day's listing, a time-range query and "alerts with label X last week"
 * answer in milliseconds without reading sidecars. SQLite because it is one file beside the data, needs no server,
 * takes one writer and many readers (WAL), and its file is read by the {@code sqlite3} tool every operator has.
 * The sidecars stay the truth: a missing index is rebuilt from them, and a reconcile pass (at start and every
 * {@code sightline.index.reconcile-s}) re-reads the day directories that changed since it last looked - segments
 * retention deleted, or a cluster's other writers added. On one machine the segment writer adds each segment as it
 * is written (routes/bus-local-segments.camel.yaml) and each alert change is indexed as it happens.
 */
public class RecordingIndex implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RecordingIndex.class);
    private static final Pattern DAY = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");

    /** A segment as the index knows it: where its sidecar is and what span it covers. */
    public record Segment(String device, String day, String segment, long start, long end, Path sidecar) {
    }

    private final Connection db;
    /** The longest segment indexed (ms): how far before a span a segment that reaches into it may start. */
    private long longest;
    private final Path segmentsDir;
    private final Path alertsFile;
    private final SightlineMetrics metrics;

    public RecordingIndex(Path file, Path segmentsDir, Path alertsFile, SightlineMetrics metrics) {
        this.segmentsDir = segmentsDir;
        this.alertsFile = alertsFile;
        this.metrics = metrics;
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            boolean fresh = !Files.exists(file);
            db = DriverManager.getConnection("jdbc:sqlite:" + file);
            try (Statement s = db.createStatement()) {
                s.execute("PRAGMA journal_mode=WAL");
                s.execute("PRAGMA synchronous=NORMAL"); // the sidecars are the truth: the index may lose its last moments
                s.execute("CREATE TABLE IF NOT EXISTS segments (device TEXT NOT NULL, day TEXT NOT NULL, segment TEXT NOT NULL,"
                        + " stream TEXT, start INTEGER NOT NULL, end INTEGER NOT NULL, duration INTEGER, frames INTEGER,"
                        + " missing INTEGER, detections INTEGER, codec TEXT, completed_by TEXT, modified INTEGER,"
                        + " PRIMARY KEY (device, day, segment))");
                s.execute("CREATE INDEX IF NOT EXISTS segments_by_time ON segments (device, start)");
                s.execute("CREATE TABLE IF NOT EXISTS detections (device TEXT NOT NULL, day TEXT NOT NULL, segment TEXT NOT NULL,"
                        + " frame INTEGER, time INTEGER NOT NULL, label TEXT, confidence REAL)");
                s.execute("CREATE INDEX IF NOT EXISTS detections_by_time ON detections (device, time)");
                s.execute("CREATE INDEX IF NOT EXISTS detections_of_segment ON detections (device, day, segment)");
                s.execute("CREATE TABLE IF NOT EXISTS alerts (id TEXT PRIMARY KEY, device TEXT, time INTEGER, json TEXT)");
                s.execute("CREATE INDEX IF NOT EXISTS alerts_by_time ON alerts (time)");
                s.execute("CREATE TABLE IF NOT EXISTS alert_labels (id TEXT NOT NULL, label TEXT NOT NULL, time INTEGER,"
                        + " PRIMARY KEY (id, label))");
                s.execute("CREATE INDEX IF NOT EXISTS alert_labels_by_time ON alert_labels (label, time)");
                s.execute("CREATE TABLE IF NOT EXISTS days (device TEXT NOT NULL, day TEXT NOT NULL, modified INTEGER,"
                        + " PRIMARY KEY (device, day))");
                s.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)");
            }
            try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT max(end - start) FROM segments")) {
                longest = r.next() ? r.getLong(1) : 0;
            }
            if (fresh) {
                LOG.info("Building the recording index {} from the sidecars and alerts", file);
            }
            importAlerts();
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("cannot open the recording index " + file, e);
        }
    }

    private interface Work {
        void run() throws SQLException, IOException;
    }

    /** Runs {@code work} as one transaction: all of it, or (on a failure) none of it. */
    private void transaction(Work work) throws SQLException, IOException {
        db.setAutoCommit(false);
        try {
            work.run();
            db.commit();
        } catch (SQLException | IOException | RuntimeException e) {
            db.rollback();
            throw e;
        } finally {
            db.setAutoCommit(true);
        }
    }

    /** Step of the local bus after a segment is written: its sidecar, indexed now. */
    public synchronized void add(Path sidecar) {
        try {
            long modified = Files.getLastModifiedTime(sidecar).toMillis();
            JsonNode doc = Json.MAPPER.readTree(sidecar.toFile());
            transaction(() -> put(doc, dayOf(sidecar), modified));
        } catch (NoSuchFileException | FileNotFoundException gone) {
            // deleted meanwhile: the reconcile pass removes it
        } catch (IOException | SQLException e) {
            throw new IllegalStateException("cannot index " + sidecar, e);
        }
    }

    /** Adds or replaces the sidecars of many segments of one day, in one transaction. */
    public synchronized void putAll(List<JsonNode> docs, String day) throws SQLException, IOException {
        transaction(() -> {
            for (JsonNode doc : docs) {
                put(doc, day, 0);
            }
        });
    }

    /** Adds or replaces one segment and its detections (inside the caller's transaction). */
    private void put(JsonNode doc, String day, long modified) throws SQLException {
        String device = doc.path("device").asText();
        String segment = doc.path("segment").asText();
        try (PreparedStatement del = db.prepareStatement("DELETE FROM detections WHERE device=? AND day=? AND segment=?")) {
            del.setString(1, device);
            del.setString(2, day);
            del.setString(3, segment);
            del.executeUpdate();
        }
        try (PreparedStatement s = db.prepareStatement("INSERT OR REPLACE INTO segments VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)")) {
            s.setString(1, device);
            s.setString(2, day);
            s.setString(3, segment);
            s.setString(4, doc.path("stream").asText());
            s.setLong(5, doc.path("firstCaptureTime").asLong());
            s.setLong(6, doc.path("lastCaptureTime").asLong());
            longest = Math.max(longest, doc.path("lastCaptureTime").asLong() - doc.path("firstCaptureTime").asLong());
            s.setLong(7, doc.path("durationMillis").asLong());
            s.setInt(8, doc.path("frameCount").asInt());
            s.setInt(9, doc.path("missingFrames").size());
            s.setInt(10, doc.path("detections").size());
            s.setString(11, doc.path("codec").asText());
            s.setString(12, doc.path("completedBy").asText());
            s.setLong(13, modified);
            s.executeUpdate();
        }
        if (!doc.path("detections").isEmpty()) {
            try (PreparedStatement s = db.prepareStatement("INSERT INTO detections VALUES (?,?,?,?,?,?,?)")) {
                for (JsonNode d : doc.path("detections")) {
                    s.setString(1, device);
                    s.setString(2, day);
                    s.setString(3, segment);
                    s.setLong(4, d.path("frame").asLong());
                    s.setLong(5, d.path("captureTime").asLong());
                    s.setString(6, d.path("label").asText());
                    s.setDouble(7, d.path("confidence").asDouble());
                    s.addBatch();
                }
                s.executeBatch();
            }
        }
    }

    /** Step of the console after an alert changed (raised, confirmed, acknowledged), on every console. */
    public synchronized void alert(Alert alert) {
        try {
            transaction(() -> putAlert(alert));
        } catch (SQLException | IOException e) {
            // the alert is in alerts.jsonl and on its way to the consoles; only searches miss it until a rebuild
            metrics.counter("index.failures").increment();
            LOG.warn("Alert {} not indexed: {}", alert.id(), e.getMessage());
        }
    }

    private void putAlert(Alert alert) throws SQLException {
        try (PreparedStatement s = db.prepareStatement("INSERT OR REPLACE INTO alerts VALUES (?,?,?,?)")) {
            s.setString(1, alert.id());
            s.setString(2, alert.device());
            s.setLong(3, alert.time());
            s.setString(4, Json.text(alert));
            s.executeUpdate();
        }
        try (PreparedStatement s = db.prepareStatement("INSERT OR REPLACE INTO alert_labels VALUES (?,?,?)")) {
            for (Detection d : alert.detections()) {
                s.setString(1, alert.id());
                s.setString(2, d.label());
                s.setLong(3, alert.time());
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    /**
     * A new index takes the alerts of {@code alerts.jsonl} (each line a snapshot; the last of an id wins), and notes
     * that it did, so an index whose first build was interrupted imports them at its next start.
     */
    private void importAlerts() throws SQLException, IOException {
        try (Statement s = db.createStatement();
             ResultSet r = s.executeQuery("SELECT 1 FROM meta WHERE key = 'alerts-imported'")) {
            if (r.next()) {
                return;
            }
        }
        transaction(() -> {
            if (Files.exists(alertsFile)) {
                LOG.info("Indexing the alerts of {}", alertsFile);
                for (String line : Files.readAllLines(alertsFile, StandardCharsets.UTF_8)) {
                    try {
                        putAlert(Json.MAPPER.readValue(line, Alert.class));
                    } catch (IOException torn) {
                        // a torn last line: the alert book skips it too
                    }
                }
            }
            try (Statement s = db.createStatement()) {
                s.execute("INSERT OR REPLACE INTO meta VALUES ('alerts-imported', '" + System.currentTimeMillis() + "')");
            }
        });
    }

    /**
     * Brings the index in line with the sidecars on disk, reading only the day directories whose modification time
     * changed since the last pass (a file added or deleted changes it). Returns the number of directories read.
     */
    public int reconcile() {
        if (!Files.isDirectory(segmentsDir)) {
            return 0; // not mounted (yet): the index keeps what it knows
        }
        long started = System.nanoTime();
        int read = 0;
        Map<String, Long> known = new HashMap<>();
        try {
            synchronized (this) {
                try (Statement s = db.createStatement(); ResultSet r = s.executeQuery("SELECT device, day, modified FROM days")) {
                    while (r.next()) {
                        known.put(r.getString(1) + "/" + r.getString(2), r.getLong(3));
                    }
                }
            }
            // the directories are listed without the lock; each day is read under it, so alerts and listings wait
            // for one day at most, also while a whole store is indexed
            Map<String, Boolean> onDisk = new HashMap<>();
            for (Path device : directories(segmentsDir)) {
                for (Path day : directories(device)) {
                    String key = device.getFileName() + "/" + day.getFileName();
                    if (!Ids.isValid(device.getFileName().toString()) || !DAY.matcher(day.getFileName().toString()).matches()) {
                        continue;
                    }
                    onDisk.put(key, true);
                    long modified;
                    try {
                        modified = Files.getLastModifiedTime(day).toMillis();
                    } catch (NoSuchFileException gone) {
                        continue;
                    }
                    if (known.getOrDefault(key, -1L) != modified) {
                        synchronized (this) {
                            readDay(device.getFileName().toString(), day, modified);
                        }
                        read++;
                    }
                }
            }
            for (String key : known.keySet()) {
                if (!onDisk.containsKey(key)) {
                    String[] dd = key.split("/");
                    synchronized (this) {
                        removeDay(dd[0], dd[1]);
                    }
                    read++;
                }
            }
        } catch (SQLException | IOException e) {
            throw new IllegalStateException("cannot reconcile the recording index", e);
        }
        if (read > 0) {
            LOG.debug("Index reconciled: {} day directories read in {} ms", read, (System.nanoTime() - started) / 1_000_000);
        }
        metrics.counter("index.days.read").increment(read);
        return read;
    }

    private void readDay(String device, Path dir, long modified) throws SQLException, IOException {
        Map<String, Long> indexed = new HashMap<>();
        try (PreparedStatement s = db.prepareStatement("SELECT segment, modified FROM segments WHERE device=? AND day=?")) {
            s.setString(1, device);
            s.setString(2, dir.getFileName().toString());
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    indexed.put(r.getString(1), r.getLong(2));
                }
            }
        }
        String day = dir.getFileName().toString();
        transaction(() -> {
            try (DirectoryStream<Path> sidecars = Files.newDirectoryStream(dir, "*.json")) {
                for (Path sidecar : sidecars) {
                    String name = sidecar.getFileName().toString();
                    String segment = name.substring(0, name.length() - 5);
                    Long was = indexed.remove(segment);
                    try {
                        long mtime = Files.getLastModifiedTime(sidecar).toMillis();
                        if (was == null || was != mtime) {
                            put(Json.MAPPER.readTree(sidecar.toFile()), day, mtime);
                        }
                    } catch (NoSuchFileException | FileNotFoundException gone) {
                        indexed.put(segment, 0L); // deleted meanwhile: removed below
                    } catch (IOException unreadable) {
                        // a damaged sidecar: the rest of the day is indexed; it is tried again when the day changes
                        metrics.counter("index.failures").increment();
                        LOG.warn("Sidecar {} not indexed: {}", sidecar, unreadable.getMessage());
                    }
                }
            }
            for (String gone : indexed.keySet()) {
                removeSegment(device, day, gone);
            }
            try (PreparedStatement s = db.prepareStatement("INSERT OR REPLACE INTO days VALUES (?,?,?)")) {
                s.setString(1, device);
                s.setString(2, day);
                s.setLong(3, modified);
                s.executeUpdate();
            }
        });
    }

    private void removeSegment(String device, String day, String segment) throws SQLException {
        for (String table : List.of("segments", "detections")) {
            try (PreparedStatement s = db.prepareStatement("DELETE FROM " + table + " WHERE device=? AND day=? AND segment=?")) {
                s.setString(1, device);
                s.setString(2, day);
                s.setString(3, segment);
                s.executeUpdate();
            }
        }
    }

    private void removeDay(String device, String day) throws SQLException {
        for (String table : List.of("segments", "detections", "days")) {
            try (PreparedStatement s = db.prepareStatement("DELETE FROM " + table + " WHERE device=? AND day=?")) {
                s.setString(1, device);
                s.setString(2, day);
                s.executeUpdate();
            }
        }
    }

    /** {@code GET /api/v1/devices/{id}/days}: the UTC days with segments, newest first. */
    public synchronized List<String> days(@Header("id") String device) throws SQLException {
        Ids.require("device", device);
        List<String> days = new ArrayList<>();
        try (PreparedStatement s = db.prepareStatement("SELECT DISTINCT day FROM segments WHERE device=? ORDER BY day DESC")) {
            s.setString(1, device);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    days.add(r.getString(1));
                }
            }
        }
        return days;
    }

    /** {@code GET /api/v1/devices/{id}/segments?day=yyyy-MM-dd}: the day's segments in capture order. */
    public synchronized List<Map<String, Object>> segments(@Header("id") String device, @Header("day") String day)
            throws SQLException {
        Ids.require("device", device);
        if (day == null || !DAY.matcher(day).matches()) {
            throw new InvalidInputException(400, "invalid-day", "day must be yyyy-MM-dd");
        }
        List<Map<String, Object>> list = new ArrayList<>();
        try (PreparedStatement s = db.prepareStatement("SELECT segment, start, end, duration, frames, missing, detections,"
                + " codec, completed_by FROM segments WHERE device=? AND day=? ORDER BY start, segment")) {
            s.setString(1, device);
            s.setString(2, day);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("segment", r.getString(1));
                    e.put("day", day);
                    e.put("start", r.getLong(2));
                    e.put("end", r.getLong(3));
                    e.put("durationMillis", r.getLong(4));
                    e.put("frames", r.getInt(5));
                    e.put("missingFrames", r.getInt(6));
                    e.put("detections", r.getInt(7));
                    e.put("codec", r.getString(8));
                    e.put("completedBy", r.getString(9));
                    list.add(e);
                }
            }
        }
        return list;
    }

    /** The segments of a device with frames in [start, end), in capture order (span playback reads their sidecars). */
    public synchronized List<Segment> overlapping(String device, long start, long end) throws SQLException {
        List<Segment> list = new ArrayList<>();
        // bounded below by the longest segment, so the (device, start) index is read only around the span
        try (PreparedStatement s = db.prepareStatement("SELECT day, segment, start, end FROM segments WHERE device=?"
                + " AND start < ? AND start >= ? AND end >= ? ORDER BY start, segment")) {
            s.setString(1, device);
            s.setLong(2, end);
            s.setLong(3, start - longest);
            s.setLong(4, start);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    list.add(new Segment(device, r.getString(1), r.getString(2), r.getLong(3), r.getLong(4),
                            segmentsDir.resolve(device).resolve(r.getString(1)).resolve(r.getString(2) + ".json")));
                }
            }
        }
        return list;
    }

    /**
     * {@code GET /api/v1/devices/{id}/activity?day=&buckets=}: for a day's timeline, what was recorded (intervals,
     * neighbours merged) and how many detections fell in each of {@code buckets} equal parts of the day.
     */
    public synchronized Map<String, Object> activity(@Header("id") String device, @Header("day") String day,
                                                     @Header("buckets") Integer buckets) throws SQLException {
        Ids.require("device", device);
        if (day == null || !DAY.matcher(day).matches()) {
            throw new InvalidInputException(400, "invalid-day", "day must be yyyy-MM-dd");
        }
        int n = buckets == null ? 288 : Math.max(1, Math.min(buckets, 10_000));
        long dayStart;
        try {
            dayStart = LocalDate.parse(day).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();
        } catch (java.time.format.DateTimeParseException e) {
            throw new InvalidInputException(400, "invalid-day", "no such day: " + day);
        }
        long dayLength = 86_400_000L;
        List<long[]> recorded = new ArrayList<>();
        try (PreparedStatement s = db.prepareStatement("SELECT start, end, duration FROM segments WHERE device=? AND day=? ORDER BY start")) {
            s.setString(1, device);
            s.setString(2, day);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    long from = r.getLong(1);
                    long to = Math.max(r.getLong(2), from + r.getLong(3));
                    long[] last = recorded.isEmpty() ? null : recorded.get(recorded.size() - 1);
                    if (last != null && from <= last[1] + 2000) {
                        last[1] = Math.max(last[1], to); // contiguous segments: one interval
                    } else {
                        recorded.add(new long[] {from, to});
                    }
                }
            }
        }
        long[] counts = new long[n];
        try (PreparedStatement s = db.prepareStatement("SELECT (time - ?) * ? / ?, count(*) FROM detections WHERE device=?"
                + " AND time >= ? AND time < ? GROUP BY 1")) {
            s.setLong(1, dayStart);
            s.setLong(2, n);
            s.setLong(3, dayLength);
            s.setString(4, device);
            s.setLong(5, dayStart);
            s.setLong(6, dayStart + dayLength);
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    int bucket = (int) r.getLong(1);
                    if (bucket >= 0 && bucket < n) {
                        counts[bucket] = r.getLong(2);
                    }
                }
            }
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("device", device);
        answer.put("day", day);
        answer.put("start", dayStart);
        answer.put("end", dayStart + dayLength);
        answer.put("recorded", recorded);
        answer.put("detections", counts);
        return answer;
    }

    /** {@code GET /api/v1/alerts?label=&since=&until=&device=&reviewed=}: alerts from the index, newest first. */
    public synchronized List<JsonNode> alerts(@Header("label") String label, @Header("device") String device,
                                              @Header("since") Long since, @Header("until") Long until,
                                              @Header("reviewed") Boolean reviewed, @Header("limit") Integer limit)
            throws SQLException, IOException {
        StringBuilder sql = new StringBuilder(label == null ? "SELECT a.json FROM alerts a WHERE 1=1"
                : "SELECT a.json FROM alert_labels l JOIN alerts a ON a.id = l.id WHERE l.label = ?");
        List<Object> args = new ArrayList<>();
        if (label != null) {
            args.add(label);
        }
        String time = label == null ? "a.time" : "l.time";
        if (since != null) {
            sql.append(" AND ").append(time).append(" >= ?");
            args.add(since);
        }
        if (until != null) {
            sql.append(" AND ").append(time).append(" < ?");
            args.add(until);
        }
        if (device != null) {
            sql.append(" AND a.device = ?");
            args.add(Ids.require("device", device));
        }
        if (reviewed != null) {
            sql.append(" AND json_extract(a.json, '$.reviewedAt') IS ").append(reviewed ? "NOT NULL" : "NULL");
        }
        sql.append(" ORDER BY ").append(time).append(" DESC LIMIT ?");
        args.add(limit == null ? 200 : Math.max(1, Math.min(limit, 10_000)));
        List<JsonNode> list = new ArrayList<>();
        try (PreparedStatement s = db.prepareStatement(sql.toString())) {
            for (int i = 0; i < args.size(); i++) {
                s.setObject(i + 1, args.get(i));
            }
            try (ResultSet r = s.executeQuery()) {
                while (r.next()) {
                    list.add(Json.MAPPER.readTree(r.getString(1)));
                }
            }
        }
        return list;
    }

    private static List<Path> directories(Path dir) throws IOException {
        List<Path> list = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return list;
        }
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, Files::isDirectory)) {
            entries.forEach(list::add);
        } catch (NoSuchFileException gone) {
            // retention removed it meanwhile
        }
        return list;
    }

    private static String dayOf(Path sidecar) {
        return sidecar.getParent().getFileName().toString();
    }

    @Override
    public synchronized void close() throws SQLException {
        db.close();
    }
}
