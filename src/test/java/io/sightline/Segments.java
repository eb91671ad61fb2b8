package io.sightline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sightline.capture.FrameMarker;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.Frame;
import org.bytedeco.javacv.OpenCVFrameConverter;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/** Reads what the receiver wrote: sidecars, and segment files decoded back to frames. */
final class Segments {

    static final ObjectMapper JSON = new ObjectMapper();

    record Decoded(List<Long> markers, List<Long> timestampsMillis, long lengthMillis) {
    }

    private Segments() {
    }

    static List<Path> sidecars(Path data, String device) throws IOException {
        return filesUnder(data.resolve("segments").resolve(device)).stream()
                .filter(p -> p.toString().endsWith(".json")).sorted().toList();
    }

    /**
     * Every regular file under {@code root}, read while a receiver may be writing there: a file renamed or deleted
     * between the directory listing and its attributes (a segment's {@code .part}) is left out, where
     * {@link Files#walk} would throw.
     */
    static List<Path> filesUnder(Path root) throws IOException {
        List<Path> found = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return found;
        }
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                if (attributes.isRegularFile()) {
                    found.add(file);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) {
                    return FileVisitResult.CONTINUE;
                }
                throw e;
            }
        });
        return found;
    }

    /** Whether a segment of the device was written after {@code millis} (its sidecar's time). */
    static boolean writtenAfter(Path data, String device, long millis) {
        try {
            return sidecars(data, device).stream().anyMatch(s -> s.toFile().lastModified() > millis);
        } catch (IOException e) {
            return false;
        }
    }

    static JsonNode read(Path sidecar) {
        try {
            return JSON.readTree(sidecar.toFile());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static int framesWritten(Path data, String device) throws IOException {
        return sidecars(data, device).stream().mapToInt(p -> read(p).get("frameCount").asInt()).sum();
    }

    /** Every frame number in the device's segments, per stream, in segment order (a number twice = a duplicate). */
    static Map<String, List<Long>> framesByStream(Path data, String device) throws IOException {
        Map<String, List<Long>> byStream = new TreeMap<>();
        for (Path sidecar : sidecars(data, device)) {
            JsonNode meta = read(sidecar);
            List<Long> numbers = byStream.computeIfAbsent(meta.get("stream").asText(), s -> new ArrayList<>());
            meta.get("frames").forEach(f -> numbers.add(f.get("frame").asLong()));
        }
        return byStream;
    }

    static Path video(Path sidecar) {
        return sidecar.resolveSibling(read(sidecar).get("video").asText());
    }

    /** Decodes every frame with JavaCV's FFmpeg grabber and reads its marker. */
    static Decoded decode(Path video) throws Exception {
        List<Long> markers = new ArrayList<>();
        List<Long> timestamps = new ArrayList<>();
        OpenCVFrameConverter.ToMat converter = new OpenCVFrameConverter.ToMat();
        try (FFmpegFrameGrabber grabber = new FFmpegFrameGrabber(video.toFile())) {
            grabber.start();
            long length = grabber.getLengthInTime() / 1000;
            Frame frame;
            while ((frame = grabber.grabImage()) != null) {
                markers.add(FrameMarker.read(converter.convert(frame)));
                timestamps.add(Math.round(frame.timestamp / 1000.0));
            }
            grabber.stop();
            return new Decoded(markers, timestamps, length);
        }
    }

    /** ffprobe's view of a file (format duration in ms, frames counted by decoding), or null without ffprobe. */
    static long[] ffprobe(Path video) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("ffprobe", "-v", "error", "-count_frames", "-select_streams", "v:0",
                    "-show_entries", "format=duration:stream=nb_read_frames,codec_name", "-of", "default=nw=1",
                    video.toString()).redirectErrorStream(true).start();
        } catch (IOException noFfprobe) {
            return null;
        }
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("ffprobe failed on " + video + ": " + out);
        }
        long duration = -1;
        long frames = -1;
        for (String line : out.split("\n")) {
            if (line.startsWith("duration=")) {
                duration = Math.round(Double.parseDouble(line.substring(9)) * 1000);
            } else if (line.startsWith("nb_read_frames=")) {
                frames = Long.parseLong(line.substring(15).trim());
            }
        }
        return new long[] {duration, frames};
    }
}
