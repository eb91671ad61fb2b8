package io.sightline.segment;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.wire.Ids;
import io.sightline.wire.InvalidInputException;
import io.sightline.wire.Json;
import org.apache.camel.Exchange;
import org.apache.camel.Header;

import java.io.File;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The recorded segments as the console browses them: the days a device has segments for, the segments of a
 * day (from their sidecars), and the files themselves, with HTTP ranges: the video as stored ({@code .mkv}, to
 * download) and its sidecar ({@code .json}); browsers play spans of them ({@link SpanPlayback}). Every path part is
 * validated, so no request can name a file outside the segment store.
 */
public class SegmentLibrary {

    private static final Pattern DAY = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    private static final Pattern FILE = Pattern.compile("([A-Za-z0-9_-]{1,100})\\.(mkv|json)");

    private final Path segmentsDir;

    public SegmentLibrary(Path segmentsDir) {
        this.segmentsDir = segmentsDir;
    }

    /** {@code GET /api/v1/devices/{id}/days}: newest first. */
    public List<String> days(@Header("id") String device) throws IOException {
        Path dir = segmentsDir.resolve(Ids.require("device", device));
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> days = Files.list(dir)) {
            return days.map(p -> p.getFileName().toString()).filter(d -> DAY.matcher(d).matches())
                    .sorted(Comparator.reverseOrder()).toList();
        }
    }

    /** {@code GET /api/v1/devices/{id}/segments?day=yyyy-MM-dd}: the day's segments in capture order. */
    public List<Map<String, Object>> segments(@Header("id") String device, @Header("day") String day) throws IOException {
        Path dir = dayDir(device, day);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Map<String, Object>> list = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path sidecar : files.filter(p -> p.getFileName().toString().endsWith(".json")).toList()) {
                JsonNode doc;
                try {
                    doc = Json.MAPPER.readTree(sidecar.toFile());
                } catch (FileNotFoundException deletedByRetention) {
                    continue;
                }
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("segment", doc.path("segment").asText());
                entry.put("day", day);
                entry.put("start", doc.path("firstCaptureTime").asLong());
                entry.put("end", doc.path("lastCaptureTime").asLong());
                entry.put("durationMillis", doc.path("durationMillis").asLong());
                entry.put("frames", doc.path("frameCount").asInt());
                entry.put("missingFrames", doc.path("missingFrames").size());
                entry.put("detections", doc.path("detections").size());
                entry.put("codec", doc.path("codec").asText());
                entry.put("completedBy", doc.path("completedBy").asText());
                list.add(entry);
            }
        }
        list.sort(Comparator.comparingLong(e -> (Long) e.get("start")));
        return list;
    }

    /** {@code GET /api/v1/segments/{device}/{day}/{file}}: the file (or the range asked for), with its content type. */
    public byte[] file(@Header("device") String device, @Header("day") String day, @Header("file") String file,
                       Exchange exchange) throws IOException {
        var m = file == null ? null : FILE.matcher(file);
        if (m == null || !m.matches()) {
            throw new InvalidInputException(400, "invalid-file", "a segment file is <segment>.mkv or .json");
        }
        Path dir = dayDir(device, day);
        boolean video = m.group(2).equals("mkv");
        Path served = dir.resolve(file);
        if (!Files.exists(dir.resolve(m.group(1) + ".json")) || !Files.exists(served)) {
            throw new InvalidInputException(404, "unknown-segment", "no segment " + m.group(1) + " of " + device + " on " + day);
        }
        byte[] body = HttpRanges.serve(exchange, served, video ? "video/x-matroska" : "application/json");
        if (video) {
            exchange.getMessage().setHeader("Content-Disposition", "attachment; filename=\"" + device + "-" + file + "\"");
        }
        return body;
    }

    private Path dayDir(String device, String day) {
        Ids.require("device", device);
        if (day == null || !DAY.matcher(day).matches()) {
            throw new InvalidInputException(400, "invalid-day", "day must be yyyy-MM-dd");
        }
        return segmentsDir.resolve(device).resolve(day);
    }
}
