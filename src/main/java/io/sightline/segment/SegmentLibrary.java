package io.sightline.segment;

import io.sightline.wire.Ids;
import io.sightline.wire.InvalidInputException;
import org.apache.camel.Exchange;
import org.apache.camel.Header;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * A recorded segment's files, with HTTP ranges: the video as stored ({@code .mkv}, to download) and its sidecar
 * ({@code .json}). (The days and segments listed come from the recording index; browsers play spans of them,
 * {@link SpanPlayback}.) Every path part is validated, so no request can name a file outside the segment store.
 */
public class SegmentLibrary {

    private static final Pattern DAY = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    private static final Pattern FILE = Pattern.compile("([A-Za-z0-9_-]{1,100})\\.(mkv|json)");

    private final Path segmentsDir;

    public SegmentLibrary(Path segmentsDir) {
        this.segmentsDir = segmentsDir;
    }

    /** {@code GET /api/v1/segments/{device}/{day}/{file}}: the file (or the range asked for), with its content type. */
    public Object file(@Header("device") String device, @Header("day") String day, @Header("file") String file,
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
        Object body = HttpRanges.serve(exchange, served, video ? "video/x-matroska" : "application/json");
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
