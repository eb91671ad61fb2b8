package io.sightline.compat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.InvalidInputException;
import io.sightline.wire.Json;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.apache.camel.component.netty.NettyConstants;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.javacv.FFmpegFrameGrabber;
import org.bytedeco.javacv.FFmpegFrameRecorder;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.SocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code POST /clip}: a whole clip recorded on an old sender (multipart {@code meta} + {@code video}, usually
 * MJPEG in AVI) becomes a segment as it is: its packets are copied (no re-encoding) into Matroska under
 * {@code segments/<device>/<day>/clip-<id>.mkv}, with a sidecar like a native segment's.
 */
public class ClipImport {

    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd").withZone(ZoneOffset.UTC);

    private final CompatProtocol protocol;
    private final Path segmentsDir;
    private final SightlineMetrics metrics;

    public ClipImport(CompatProtocol protocol, Path segmentsDir, SightlineMetrics metrics) {
        this.protocol = protocol;
        this.segmentsDir = segmentsDir;
        this.metrics = metrics;
    }

    public Path store(@Body byte[] body, @Header(Exchange.CONTENT_TYPE) String contentType,
                      @Header(NettyConstants.NETTY_REMOTE_ADDRESS) SocketAddress from) {
        Map<String, Multipart.Part> parts;
        try {
            parts = Multipart.parse(body == null ? new byte[0] : body, contentType);
        } catch (InvalidInputException e) {
            parts = Map.of();
        }
        Multipart.Part meta = parts.get("meta");
        Multipart.Part video = parts.get("video");
        if (meta == null || video == null) {
            throw new InvalidInputException(400, "missing-part", "meta or video missing");
        }
        JsonNode m;
        try {
            m = Json.MAPPER.readTree(meta.text());
        } catch (IOException e) {
            m = null;
        }
        if (m == null || !m.isObject()) {
            throw new InvalidInputException(400, "invalid-meta", "invalid meta");
        }
        String device = protocol.device(from);
        long start = m.path("timestamp").isNumber() ? Math.round(m.get("timestamp").asDouble() * 1000) : System.currentTimeMillis();
        String id = m.path("frame_id").asText(String.valueOf(start)).replaceAll("[^A-Za-z0-9_-]", "-");
        String name = "clip-" + (id.length() > 50 ? id.substring(0, 50) : id);
        Path dir = segmentsDir.resolve(device).resolve(DAY.format(Instant.ofEpochMilli(start)));
        try {
            Files.createDirectories(dir);
            Path target = dir.resolve(name + ".mkv");
            Path part = dir.resolve(name + ".mkv.part");
            Copied copied = remux(video.bytes(), part);
            Files.move(part, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            Map<String, Object> sidecar = new LinkedHashMap<>();
            sidecar.put("device", device);
            sidecar.put("stream", name);
            sidecar.put("segment", name);
            sidecar.put("video", name + ".mkv");
            sidecar.put("codec", copied.codec());
            sidecar.put("width", copied.width());
            sidecar.put("height", copied.height());
            sidecar.put("firstCaptureTime", start);
            sidecar.put("lastCaptureTime", start + copied.durationMillis());
            sidecar.put("durationMillis", copied.durationMillis());
            sidecar.put("frameCount", copied.frames());
            sidecar.put("missingFrames", List.of());
            sidecar.put("completedBy", "clip-upload");
            sidecar.put("frames", List.of());
            sidecar.put("detections", List.of());
            Path sidecarPart = dir.resolve(name + ".json.part");
            Files.write(sidecarPart, Json.bytes(sidecar));
            Files.move(sidecarPart, dir.resolve(name + ".json"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            metrics.counter("segments.written", "device", device).increment();
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the clip of " + device, e);
        }
    }

    private record Copied(String codec, int width, int height, int frames, long durationMillis) {
    }

    /** Copies the clip's video packets into Matroska; a body FFmpeg cannot read is a 400. */
    private static Copied remux(byte[] clip, Path target) throws IOException {
        try (FFmpegFrameGrabber in = new FFmpegFrameGrabber(new ByteArrayInputStream(clip), 0)) {
            try {
                in.start();
            } catch (FFmpegFrameGrabber.Exception e) {
                throw new InvalidInputException(400, "invalid-video", "the video cannot be read");
            }
            if (in.getImageWidth() <= 0) {
                throw new InvalidInputException(400, "invalid-video", "the clip has no video");
            }
            int frames = 0;
            long lastTimestamp = 0;
            try (FFmpegFrameRecorder out = new FFmpegFrameRecorder(target.toFile(), in.getImageWidth(), in.getImageHeight(), 0)) {
                out.setFormat("matroska");
                out.start(in.getFormatContext());
                AVPacket packet;
                while ((packet = in.grabPacket()) != null) {
                    if (packet.stream_index() == in.getVideoStream()) {
                        out.recordPacket(packet);
                        frames++;
                        lastTimestamp = in.getTimestamp();
                    }
                }
                out.stop();
            }
            double fps = in.getFrameRate() > 0 ? in.getFrameRate() : CompatProtocol.DEFAULT_FPS;
            long duration = Math.max(lastTimestamp / 1000, Math.round(frames * 1000 / fps));
            return new Copied(in.getVideoCodecName(), in.getImageWidth(), in.getImageHeight(), frames, duration);
        }
    }
}
