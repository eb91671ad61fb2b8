package io.sightline.compat;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.wire.Detection;
import io.sightline.wire.DetectionDatagram;
import io.sightline.wire.JpegFrame;
import io.sightline.wire.FrameMeta;
import io.sightline.wire.Ids;
import io.sightline.wire.InvalidInputException;
import io.sightline.wire.Json;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.apache.camel.component.netty.NettyConstants;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Translates the protocol of the Python senders Sightline replaces into Sightline's frames and detections, so
 * they flow through the same storage, segments, alerts and live view as native ones (docs/compat.md):
 * <ul>
 *   <li>a per-frame post ({@code frame_id}, {@code timestamp} in epoch seconds, {@code detections}) becomes the
 *       next frame of the device's compat stream, in continuous segments of {@code segmentMillis};</li>
 *   <li>a clip frame ({@code clip_id}, {@code timestamp} in seconds since the clip start, {@code is_last}) becomes
 *       frame {@code round(timestamp × fps)} of the clip's own stream and segment, so frames that arrive out of
 *       order still end in timestamp order and {@code is_last} completes the segment once all frames are in;</li>
 *   <li>a UDP datagram gives the detections of a frame (by {@code frame_id}, or {@code timestamp} for older
 *       senders), raised as alerts at once and merged into the frame when it arrives without its own.</li>
 * </ul>
 * The device is named by the source address ({@code sightline.compat.devices}); the old protocol has no
 * authentication.
 */
public class CompatProtocol {

    static final double DEFAULT_FPS = 20;
    private static final int REMEMBERED = 10_000;

    private final Map<String, String> deviceByAddress;
    private final long segmentMillis;
    private final String run;
    private final LongSupplier clock;
    private final Map<String, PerFrameStream> streams = new LinkedHashMap<>();
    private final Map<String, Clip> clips = bounded(1000);

    /** A clip being streamed: its stream (= segment) id, when it started, its frame rate and /meta detections. */
    private record Clip(String stream, long start, double fps, List<Detection> detections) {
    }

    /** The per-frame stream of one device: frame numbers by frame_id, and UDP detections waiting for their frame. */
    private static final class PerFrameStream {
        final String stream;
        final Map<String, Long> numbers = bounded(REMEMBERED);
        final Map<Long, List<Detection>> udp = bounded(REMEMBERED);
        long next;

        PerFrameStream(String stream) {
            this.stream = stream;
        }

        long number(String key) {
            return numbers.computeIfAbsent(key, k -> next++);
        }
    }

    /**
     * @param deviceByAddress source IP → device id; an address not listed becomes its IP with '.' and ':' as '-'
     * @param run             distinguishes this receiver run's compat streams (frame numbers restart at 0)
     */
    public CompatProtocol(Map<String, String> deviceByAddress, long segmentMillis, String run, LongSupplier clock) {
        this.deviceByAddress = Map.copyOf(deviceByAddress);
        this.segmentMillis = segmentMillis;
        this.run = run;
        this.clock = clock;
    }

    /** {@code POST /frame}: multipart {@code meta} (JSON) + {@code frame} (JPEG), as a Sightline frame. */
    public synchronized JpegFrame frame(@Body byte[] body, @Header(Exchange.CONTENT_TYPE) String contentType,
                                        @Header(NettyConstants.NETTY_REMOTE_ADDRESS) SocketAddress from) {
        Map<String, Multipart.Part> parts = parts(body, contentType);
        Multipart.Part meta = parts.get("meta");
        Multipart.Part jpeg = parts.get("frame");
        if (meta == null || jpeg == null) {
            throw new InvalidInputException(400, "missing-part", "meta or frame missing");
        }
        JsonNode m = json(meta.text(), "invalid meta");
        String device = device(from);
        FrameMeta frame = m.hasNonNull("clip_id") ? clipFrame(device, m) : singleFrame(device, m);
        return new JpegFrame(frame, jpeg.bytes());
    }

    private FrameMeta singleFrame(String device, JsonNode m) {
        PerFrameStream s = streams.computeIfAbsent(device, d -> new PerFrameStream(run));
        long number = s.number(key(m));
        long t = epochMillis(m);
        List<Detection> found = detections(m.path("detections"));
        List<Detection> viaUdp = s.udp.remove(number);
        if (found.isEmpty() && viaUdp != null) {
            found = viaUdp;
        }
        String segment = s.stream + "-" + (t / segmentMillis);
        return new FrameMeta(device, s.stream, number, t, segment, number, false, found);
    }

    private FrameMeta clipFrame(String device, JsonNode m) {
        String clipId = m.get("clip_id").asText();
        Clip clip = clips.computeIfAbsent(device + "/" + clipId, k -> newClip(device, clipId, DEFAULT_FPS, List.of()));
        if (!m.path("timestamp").isNumber() || m.get("timestamp").asDouble() < 0) {
            throw new InvalidInputException(400, "invalid-meta", "timestamp must be seconds since the clip start");
        }
        double seconds = m.get("timestamp").asDouble();
        long number = Math.round(seconds * clip.fps());
        boolean last = m.path("is_last").asBoolean(false);
        List<Detection> found = detections(m.path("detections"));
        if (number == 0 && found.isEmpty()) {
            found = clip.detections(); // the clip's detections from /meta travel with its first frame
        }
        return new FrameMeta(device, clip.stream(), number, clip.start() + Math.round(seconds * 1000), clip.stream(), 0,
                last, found);
    }

    /**
     * {@code POST /meta}: the clip's frame rate and detections, before its frames. Returns the clip's first frame's
     * metadata carrying those detections (for the alerts route), or null when there are none.
     */
    public synchronized FrameMeta meta(@Body String body, @Header(NettyConstants.NETTY_REMOTE_ADDRESS) SocketAddress from) {
        JsonNode m = json(body, "invalid JSON");
        if (!m.hasNonNull("clip_id") || m.get("clip_id").asText().isBlank()) {
            throw new InvalidInputException(400, "missing-clip-id", "clip_id missing");
        }
        String device = device(from);
        String clipId = m.get("clip_id").asText();
        double fps = m.path("video_fps").asDouble(0) > 0 ? m.get("video_fps").asDouble() : DEFAULT_FPS;
        List<Detection> found = detections(m.path("detections"));
        Clip previous = clips.get(device + "/" + clipId);
        Clip clip = previous == null ? newClip(device, clipId, fps, found)
                : new Clip(previous.stream(), previous.start(), fps, found);
        clips.put(device + "/" + clipId, clip);
        return found.isEmpty() ? null
                : new FrameMeta(device, clip.stream(), 0, clip.start(), clip.stream(), 0, false, found);
    }

    /** A UDP datagram: the detections of one frame, as a datagram for the alerts route; null without detections. */
    public synchronized DetectionDatagram datagram(@Body byte[] raw,
                                                   @Header(NettyConstants.NETTY_REMOTE_ADDRESS) SocketAddress from) {
        JsonNode m;
        try {
            m = Json.MAPPER.readTree(raw);
        } catch (Exception e) {
            throw new InvalidInputException(400, "malformed", "not a JSON object");
        }
        if (m == null || !m.isObject() || (!m.hasNonNull("frame_id") && !m.path("timestamp").isNumber())) {
            throw new InvalidInputException(400, "malformed", "neither frame_id nor timestamp");
        }
        String device = device(from);
        PerFrameStream s = streams.computeIfAbsent(device, d -> new PerFrameStream(run));
        long number = s.number(key(m));
        List<Detection> found = detections(m.path("detections"));
        if (found.isEmpty()) {
            return null;
        }
        s.udp.put(number, found);
        return new DetectionDatagram(1, DetectionDatagram.DETECTIONS, device, s.stream, 0, number, epochMillis(m), found, 0, 0);
    }

    /** The device a source address stands for. */
    String device(SocketAddress from) {
        String ip = from instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : "unknown";
        String device = deviceByAddress.getOrDefault(ip, ip.replaceAll("[^A-Za-z0-9]", "-"));
        return Ids.require("device", device.length() > 64 ? device.substring(0, 64) : device);
    }

    private Clip newClip(String device, String clipId, double fps, List<Detection> found) {
        String readable = clipId.replaceAll("[^A-Za-z0-9_-]", "-");
        String stream = "clip-" + (readable.length() > 40 ? readable.substring(0, 40) : readable) + "-" + hash(device + "/" + clipId);
        return new Clip(stream, clock.getAsLong(), fps, found);
    }

    /** Old detections {@code {"class", "conf", "bbox": [x1, y1, x2, y2]}} as Sightline detections. */
    static List<Detection> detections(JsonNode list) {
        if (list == null || list.isMissingNode() || list.isNull()) {
            return List.of();
        }
        if (!list.isArray()) {
            throw new InvalidInputException(400, "invalid-meta", "detections must be a list");
        }
        List<Detection> found = new ArrayList<>();
        for (JsonNode d : list) {
            JsonNode box = d.path("bbox");
            if (!d.path("class").isTextual() || !d.path("conf").isNumber() || !box.isArray() || box.size() != 4) {
                throw new InvalidInputException(400, "invalid-meta", "a detection is {class, conf, bbox: [x1, y1, x2, y2]}");
            }
            int[] b = new int[4];
            for (int i = 0; i < 4; i++) {
                b[i] = (int) Math.round(Math.max(0, box.get(i).asDouble()));
            }
            found.add(new Detection(d.get("class").asText(), Math.max(0, Math.min(1, d.get("conf").asDouble())), b));
        }
        return Json.checked(found, "invalid-meta");
    }

    private static String key(JsonNode m) {
        return m.hasNonNull("frame_id") ? "id:" + m.get("frame_id").asText() : "t:" + m.get("timestamp").asText();
    }

    private long epochMillis(JsonNode m) {
        return m.path("timestamp").isNumber() ? Math.round(m.get("timestamp").asDouble() * 1000) : clock.getAsLong();
    }

    private static Map<String, Multipart.Part> parts(byte[] body, String contentType) {
        try {
            return Multipart.parse(body == null ? new byte[0] : body, contentType);
        } catch (InvalidInputException e) {
            throw new InvalidInputException(400, "missing-part", "meta or frame missing");
        }
    }

    private static JsonNode json(String text, String problem) {
        try {
            JsonNode node = Json.MAPPER.readTree(text);
            if (node != null && node.isObject()) {
                return node;
            }
        } catch (Exception e) {
            // reported below
        }
        throw new InvalidInputException(400, "invalid-meta", problem);
    }

    private static String hash(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static <K, V> Map<K, V> bounded(int max) {
        return new LinkedHashMap<>(16, 0.75f) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > max;
            }
        };
    }
}
