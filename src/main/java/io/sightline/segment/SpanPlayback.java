package io.sightline.segment;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.index.RecordingIndex;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.Ids;
import io.sightline.wire.InvalidInputException;
import io.sightline.wire.Json;
import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.sql.SQLException;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_H264;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_YUV420P;

/**
 * Playback of any span of a device's recording as one video: {@code GET /api/v1/devices/{id}/video?start=&end=}.
 * The frames of every segment that overlaps the span (found in the recording index; a late companion or a replaced
 * segment included; each frame once, in capture order) are encoded with the bundled OpenH264 to H.264 constrained baseline in fragmented MP4
 * (a keyframe a second, so a seek lands within a second; plays in every browser, Safari and iOS included), cached
 * in {@code <data-dir>/playback} under a name made from the span and the segments' files (a segment replaced by
 * its full-quality frames makes a new copy), and served with HTTP ranges. Each frame sits at its own capture time
 * on the span's clock, so gaps stay gaps; {@code GET /api/v1/devices/{id}/frames} tells the console each frame's
 * place in the video with its detections, so boxes are drawn on the very frame they belong to.
 */
public class SpanPlayback {

    /** A recorded frame in the span: where the video shows it (ms from its first frame) and what was detected. */
    public record Placed(String stream, long frame, long captureTime, long offsetMillis, List<JsonNode> detections) {
    }

    /** A segment of the span, with the sidecar it was read from (read once per request). */
    private record Piece(Path video, String name, JsonNode doc, int width, int height, List<Long> captureTimes,
                         long sidecarSize, FileTime sidecarModified) {
    }

    /** The span's segments and frames: what both the video and the console's frame list come from. */
    private record Span(String device, long start, long end, double fps, List<Piece> pieces, List<Placed> frames,
                        List<int[]> sources) {
    }

    private final RecordingIndex index;
    private final Path cacheDir;
    private final long maxSpanMillis;
    private final long cacheBytes;
    private final int bitrate;
    private final SightlineMetrics metrics;
    private final Map<Path, Object> encoding = new ConcurrentHashMap<>();

    public SpanPlayback(RecordingIndex index, Path cacheDir, long maxSpanMillis, long cacheBytes, int bitrate,
                        SightlineMetrics metrics) {
        this.index = index;
        this.cacheDir = cacheDir;
        this.maxSpanMillis = maxSpanMillis;
        this.cacheBytes = cacheBytes;
        this.bitrate = bitrate;
        this.metrics = metrics;
    }

    /** {@code GET /api/v1/devices/{id}/video?start=&end=}: the span's MP4 (or the range of it asked for). */
    public Object video(@Header("id") String device, @Header("start") String start, @Header("end") String end,
                        Exchange exchange) throws IOException, SQLException {
        Span span = span(device, start, end);
        Path file = cacheDir.resolve(key(span) + ".mp4");
        Object lock = encoding.computeIfAbsent(file, f -> new Object());
        try {
            synchronized (lock) {
                if (!Files.exists(file)) {
                    long started = System.nanoTime();
                    Files.createDirectories(cacheDir);
                    Path part = file.resolveSibling(file.getFileName() + ".part");
                    encode(span, part);
                    Files.move(part, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                    metrics.timer("playback.encode.duration").record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
                    evictBeyondLimit(file);
                }
                Files.setLastModifiedTime(file, FileTime.fromMillis(System.currentTimeMillis())); // recently used
            }
        } finally {
            encoding.remove(file, lock);
        }
        return HttpRanges.serve(exchange, file, "video/mp4");
    }

    /** {@code GET /api/v1/devices/{id}/frames?start=&end=}: each frame's place in the span's video, its detections. */
    public Map<String, Object> frames(@Header("id") String device, @Header("start") String start, @Header("end") String end)
            throws IOException, SQLException {
        Span span = span(device, start, end);
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("device", span.device());
        answer.put("start", span.start());
        answer.put("end", span.end());
        answer.put("fps", span.fps());
        answer.put("frames", span.frames());
        return answer;
    }

    private Span span(String device, String startText, String endText) throws IOException, SQLException {
        Ids.require("device", device);
        long start = time("start", startText);
        long end = time("end", endText);
        if (end <= start || end - start > maxSpanMillis) {
            throw new InvalidInputException(400, "invalid-span", "end must come after start, at most "
                    + maxSpanMillis / 1000 + " s later (sightline.playback.max-span-s)");
        }
        List<Piece> pieces = new ArrayList<>();
        for (RecordingIndex.Segment indexed : index.overlapping(device, start, end)) {
            Piece p = piece(indexed.sidecar());
            if (p != null) {
                pieces.add(p);
            }
        }
        pieces.sort(Comparator.comparing((Piece p) -> p.captureTimes().get(0)).thenComparing(Piece::name));
        // every frame once, in capture order: a k-way merge of the pieces (a late companion interleaves)
        List<int[]> sources = new ArrayList<>();
        List<Long> times = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        PriorityQueue<int[]> next = new PriorityQueue<>(Comparator.comparingLong((int[] c) -> pieces.get(c[0]).captureTimes().get(c[1])));
        for (int i = 0; i < pieces.size(); i++) {
            next.add(new int[] {i, 0});
        }
        List<String[]> identities = new ArrayList<>();
        while (!next.isEmpty()) {
            int[] c = next.poll();
            Piece p = pieces.get(c[0]);
            long t = p.captureTimes().get(c[1]);
            if (c[1] + 1 < p.captureTimes().size()) {
                next.add(new int[] {c[0], c[1] + 1});
            }
            if (t < start || t >= end) {
                continue;
            }
            JsonNode doc = p.doc();
            JsonNode entry = doc.path("frames").get(c[1]);
            String stream = doc.path("stream").asText();
            if (seen.add(stream + "/" + entry.path("frame").asLong())) {
                sources.add(c);
                times.add(t);
                identities.add(new String[] {stream, entry.path("frame").asText()});
            }
        }
        double fps = fps(times);
        Map<String, List<JsonNode>> detections = new HashMap<>();
        for (Piece p : pieces) {
            for (JsonNode d : p.doc().path("detections")) {
                detections.computeIfAbsent(p.doc().path("stream").asText() + "/" + d.path("frame").asLong(),
                        k -> new ArrayList<>()).add(d);
            }
        }
        List<Placed> frames = new ArrayList<>(times.size());
        long previous = -1;
        for (int i = 0; i < times.size(); i++) {
            // the video's time base is one frame interval: each frame at its capture time (the first at 0, where
            // every player starts), never two in one slot
            long slot = Math.max(previous + 1, Math.round((times.get(i) - times.get(0)) * fps / 1000));
            previous = slot;
            String[] id = identities.get(i);
            frames.add(new Placed(id[0], Long.parseLong(id[1]), times.get(i), Math.round(slot * 1000 / fps),
                    detections.getOrDefault(id[0] + "/" + id[1], List.of())));
        }
        if (frames.isEmpty()) {
            throw new InvalidInputException(404, "no-recording", "no recorded frame of " + device + " between " + start + " and " + end);
        }
        return new Span(device, start, end, fps, pieces, frames, sources);
    }

    /** A segment the index names, from its sidecar; null when retention deleted it meanwhile. */
    private static Piece piece(Path sidecar) throws IOException {
        JsonNode doc;
        FileTime modified;
        long size;
        try {
            modified = Files.getLastModifiedTime(sidecar);
            size = Files.size(sidecar);
            doc = Json.MAPPER.readTree(sidecar.toFile());
        } catch (FileNotFoundException | NoSuchFileException deletedByRetention) {
            return null;
        }
        List<Long> times = new ArrayList<>();
        doc.path("frames").forEach(f -> times.add(f.path("captureTime").asLong()));
        String name = doc.path("segment").asText();
        Path video = sidecar.resolveSibling(doc.path("video").asText(name + ".mkv"));
        if (times.isEmpty() || !Files.exists(video)) {
            return null;
        }
        return new Piece(video, name, doc, doc.path("width").asInt(), doc.path("height").asInt(), times, size, modified);
    }

    /** The span's frame rate: its frames' median interval (a recording at 20 fps plays at 20 fps). */
    private static double fps(List<Long> times) {
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < times.size(); i++) {
            if (times.get(i) > times.get(i - 1)) {
                gaps.add(times.get(i) - times.get(i - 1));
            }
        }
        if (gaps.isEmpty()) {
            return 10;
        }
        gaps.sort(null);
        return Math.max(1, Math.min(60, Math.round(1000.0 / gaps.get(gaps.size() / 2))));
    }

    private void encode(Span span, Path target) throws IOException {
        int width = span.pieces().stream().mapToInt(Piece::width).max().orElseThrow();
        int height = span.pieces().stream().mapToInt(Piece::height).max().orElseThrow();
        FFmpegFrameGrabber[] grabbers = new FFmpegFrameGrabber[span.pieces().size()];
        int[] position = new int[grabbers.length];
        int[] remaining = new int[grabbers.length];
        span.sources().forEach(s -> remaining[s[0]]++);
        try (FFmpegFrameRecorder recorder = new FFmpegFrameRecorder(target.toFile(), width, height, 0)) {
            recorder.setFormat("mp4");
            recorder.setVideoCodec(AV_CODEC_ID_H264);
            recorder.setPixelFormat(AV_PIX_FMT_YUV420P);
            recorder.setFrameRate(span.fps());
            recorder.setGopSize((int) Math.max(1, Math.round(span.fps()))); // a keyframe a second: seeks land within it
            recorder.setVideoBitrate(bitrate);
            recorder.setVideoOption("profile", "constrained_baseline");
            recorder.setOption("movflags", "+frag_keyframe+empty_moov+default_base_moof");
            recorder.start();
            for (int i = 0; i < span.sources().size(); i++) {
                int[] source = span.sources().get(i);
                int piece = source[0];
                if (grabbers[piece] == null) {
                    grabbers[piece] = new FFmpegFrameGrabber(span.pieces().get(piece).video().toFile());
                    grabbers[piece].start();
                }
                Frame image = null;
                while (position[piece] <= source[1]) { // the segment's frames in order; skip those outside the span
                    image = grabbers[piece].grabImage();
                    position[piece]++;
                    if (image == null) {
                        throw new IOException(span.pieces().get(piece).video() + " has fewer frames than its sidecar");
                    }
                }
                recorder.setFrameNumber((int) Math.round(span.frames().get(i).offsetMillis() * span.fps() / 1000));
                recorder.record(image);
                if (--remaining[piece] == 0) {
                    grabbers[piece].close();
                    grabbers[piece] = null;
                }
            }
            recorder.stop();
        } finally {
            for (FFmpegFrameGrabber g : grabbers) {
                if (g != null) {
                    g.close();
                }
            }
        }
    }

    private static String key(Span span) {
        StringBuilder id = new StringBuilder(span.device() + "|" + span.start() + "|" + span.end() + "|" + span.fps());
        for (Piece p : span.pieces()) {
            id.append('|').append(p.name()).append(':').append(p.sidecarSize()).append(':').append(p.sidecarModified().toMillis());
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(id.toString().getBytes(StandardCharsets.UTF_8));
            return span.device() + "-" + HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The cache stays under sightline.playback.cache-mb: the copies used longest ago go first. */
    private void evictBeyondLimit(Path keep) throws IOException {
        List<Path> copies;
        try (Stream<Path> files = Files.list(cacheDir)) {
            copies = new ArrayList<>(files.filter(p -> p.getFileName().toString().endsWith(".mp4")).toList());
        }
        Map<Path, long[]> info = new HashMap<>(); // size, last used
        for (Path p : copies) {
            try {
                info.put(p, new long[] {Files.size(p), Files.getLastModifiedTime(p).toMillis()});
            } catch (java.nio.file.NoSuchFileException gone) {
                // another request evicted it meanwhile
            }
        }
        long total = info.values().stream().mapToLong(v -> v[0]).sum();
        List<Path> oldestFirst = info.keySet().stream().sorted(Comparator.comparingLong(p -> info.get(p)[1])).toList();
        for (Path p : oldestFirst) {
            if (total <= cacheBytes) {
                break;
            }
            if (!p.equals(keep) && Files.deleteIfExists(p)) {
                total -= info.get(p)[0];
            }
        }
    }

    private static long time(String name, String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidInputException(400, "invalid-span", name + " is required: ms since the epoch or an ISO-8601 instant");
        }
        try {
            return text.chars().allMatch(Character::isDigit) ? Long.parseLong(text) : Instant.parse(text).toEpochMilli();
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new InvalidInputException(400, "invalid-span", name + " must be ms since the epoch or an ISO-8601 instant, was '"
                    + text + "'");
        }
    }
}
