package io.sightline.wire;

import com.fasterxml.jackson.core.JsonProcessingException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;

/**
 * Wire form of {@link DetectionDatagram}: the JSON object, a newline, and the base64 HMAC-SHA256 of the JSON
 * bytes under the device's datagram key (see {@link DeviceKeys}). Every encoded datagram fits
 * {@link #MAX_BYTES}: on a WireGuard mesh (MTU 1280) a larger one would be fragmented or lost, so the least
 * confident detections are left out and counted in {@code omitted}.
 */
public final class DatagramCodec {

    public static final int MAX_BYTES = 1200;
    public static final int VERSION = 1;
    private static final int MAC_CHARS = 44; // base64 of 32 bytes
    private static final int MAX_JSON = MAX_BYTES - 1 - MAC_CHARS;

    private DatagramCodec() {
    }

    /** Signs the JSON of the datagram with {@code key}. */
    public static byte[] encode(DetectionDatagram datagram, byte[] key) {
        return sign(fit(datagram), key);
    }

    /** The wire form shared by every signed datagram: JSON, a newline, the base64 HMAC of the JSON. */
    public static byte[] sign(byte[] json, byte[] key) {
        byte[] mac = Base64.getEncoder().encode(DeviceKeys.hmac(key, json));
        byte[] signed = Arrays.copyOf(json, json.length + 1 + mac.length);
        signed[json.length] = '\n';
        System.arraycopy(mac, 0, signed, json.length + 1, mac.length);
        return signed;
    }

    private static byte[] fit(DetectionDatagram datagram) {
        byte[] bytes = Json.bytes(datagram);
        if (bytes.length <= MAX_JSON && datagram.detections().size() <= Json.MAX_DETECTIONS) {
            return bytes;
        }
        List<Detection> sorted = mostConfidentFirst(datagram.detections());
        sorted = sorted.subList(0, Math.min(sorted.size(), Json.MAX_DETECTIONS));
        int total = datagram.detections().size() + datagram.omitted();
        // binary search for the largest prefix of the most confident detections that fits
        int lo = 0;
        int hi = sorted.size();
        byte[] best = null;
        while (lo <= hi) {
            int mid = (lo + hi) >>> 1;
            byte[] candidate = Json.bytes(withDetections(datagram, sorted.subList(0, mid), total - mid));
            if (candidate.length <= MAX_JSON) {
                best = candidate;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (best == null) {
            throw new IllegalArgumentException("datagram header alone exceeds " + MAX_BYTES + " bytes");
        }
        return best;
    }

    static List<Detection> mostConfidentFirst(List<Detection> detections) {
        List<Detection> sorted = new ArrayList<>(detections);
        sorted.sort(Comparator.comparingDouble(Detection::confidence).reversed());
        return sorted;
    }

    private static DetectionDatagram withDetections(DetectionDatagram d, List<Detection> kept, int omitted) {
        return new DetectionDatagram(d.v(), d.type(), d.device(), d.stream(), d.seq(), d.frame(), d.t(), kept, omitted,
                d.spooled(), d.state(), d.commandPort(), d.ack(), d.link());
    }

    /** A received datagram split into its JSON (parsed and validated) and the MAC that came with it. */
    public record Signed(DetectionDatagram datagram, byte[] json, byte[] mac) {
    }

    /** Parses and validates a received datagram; anything wrong is an {@link InvalidInputException}. */
    public static Signed decode(byte[] bytes) {
        byte[][] parts = split(bytes);
        return new Signed(parse(parts[0]), parts[0], parts[1]);
    }

    /** Splits a signed datagram into its JSON and its MAC, checking only the framing. */
    public static byte[][] split(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new InvalidInputException(400, "empty", "empty datagram");
        }
        if (bytes.length > MAX_BYTES) {
            throw new InvalidInputException(400, "oversized", "datagram of " + bytes.length + " bytes exceeds " + MAX_BYTES);
        }
        int newline = bytes.length - 1 - MAC_CHARS;
        if (newline < 1 || bytes[newline] != '\n') {
            throw new InvalidInputException(400, "unsigned", "the datagram carries no MAC");
        }
        byte[] json = Arrays.copyOf(bytes, newline);
        byte[] mac;
        try {
            mac = Base64.getDecoder().decode(Arrays.copyOfRange(bytes, newline + 1, bytes.length));
        } catch (IllegalArgumentException e) {
            throw new InvalidInputException(400, "unsigned", "the datagram's MAC is not base64");
        }
        return new byte[][] {json, mac};
    }

    private static DetectionDatagram parse(byte[] json) {
        DetectionDatagram d;
        try {
            d = Json.MAPPER.readValue(json, DetectionDatagram.class);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(400, "malformed", "not a detection datagram: " + e.getOriginalMessage());
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidInputException(400, "malformed", "not a detection datagram");
        }
        if (d == null || d.v() != VERSION) {
            throw new InvalidInputException(400, "version", "unsupported datagram version");
        }
        if (!DetectionDatagram.DETECTIONS.equals(d.type()) && !DetectionDatagram.HEARTBEAT.equals(d.type())
                && !(DetectionDatagram.ACK.equals(d.type()) && Ids.isValid(d.ack()))) {
            throw new InvalidInputException(400, "malformed", "unknown datagram type");
        }
        if (d.commandPort() != null && (d.commandPort() < 1 || d.commandPort() > 65535)) {
            throw new InvalidInputException(400, "malformed", "command port out of range");
        }
        DetectionDatagram.Link link = d.link();
        if (link != null && (link.rung() < 0 || link.rung() > 64 || link.estimateKbps() < 0
                || !(link.backlogSeconds() >= 0) || Double.isInfinite(link.backlogSeconds())
                || link.rungName() == null || !link.rungName().matches("[0-9x@./]{1,32}"))) {
            throw new InvalidInputException(400, "malformed", "invalid link report");
        }
        if (d.state() != null && !d.state().equals(DetectionDatagram.STREAMING)
                && !d.state().equals(DetectionDatagram.WAITING)) {
            throw new InvalidInputException(400, "malformed", "unknown sender state");
        }
        if (!Ids.isValid(d.device()) || !Ids.isValid(d.stream())) {
            throw new InvalidInputException(400, "malformed", "invalid device or stream id");
        }
        if (d.seq() < 0 || d.frame() < 0 || d.t() < 0 || d.omitted() < 0 || d.spooled() < 0) {
            throw new InvalidInputException(400, "malformed", "negative counter");
        }
        Json.checkAll(d.detections(), "malformed");
        return d;
    }
}
