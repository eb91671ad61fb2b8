package io.sightline.wire;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import java.util.List;

/** The one JSON mapper of the wire formats: strict on input, compact on output. */
public final class Json {

    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final TypeReference<List<Detection>> DETECTIONS = new TypeReference<>() {
    };
    /** At most this many detections per frame, on both paths. */
    public static final int MAX_DETECTIONS = 64;

    private Json() {
    }

    public static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    public static String text(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    /** Parses and checks a sender's detection list; {@code error} names the reason a rejection is reported under. */
    public static List<Detection> detections(String json, String error) {
        List<Detection> parsed = parse(json, error);
        checkAll(parsed, error);
        return parsed;
    }

    /** As {@link #detections}, for a list a receiver relayed: it may hold the receiver's own detections. */
    public static List<Detection> relayedDetections(String json, String error) {
        List<Detection> parsed = parse(json, error);
        checkAll(parsed.stream().map(d -> d != null && Detection.RECEIVER.equals(d.origin()) ? d.foundIn(d.from(), null) : d).toList(), error);
        return parsed;
    }

    private static List<Detection> parse(String json, String error) {
        List<Detection> parsed;
        try {
            parsed = MAPPER.readValue(json, DETECTIONS);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new InvalidInputException(400, error, "detections are not a JSON array of {label, confidence, box[, from]}");
        }
        if (parsed == null) {
            throw new InvalidInputException(400, error, "detections must be an array");
        }
        return parsed;
    }

    /** The detections, after {@link #checkAll}. */
    public static List<Detection> checked(List<Detection> detections, String error) {
        checkAll(detections, error);
        return detections;
    }

    static void checkAll(List<Detection> detections, String error) {
        if (detections.size() > MAX_DETECTIONS) {
            throw new InvalidInputException(400, error, "more than " + MAX_DETECTIONS + " detections");
        }
        detections.forEach(d -> check(d, error));
    }

    private static void check(Detection d, String error) {
        if (d == null || d.label() == null || d.label().isEmpty() || d.label().length() > 64 || d.box() == null || d.box().length != 4
                || !Double.isFinite(d.confidence()) || d.confidence() < 0 || d.confidence() > 1) {
            throw new InvalidInputException(400, error,
                    "each detection needs a label of 1-64 characters, a confidence in [0,1] and a box of 4 integers");
        }
        int[] b = d.box();
        if (b[0] < 0 || b[1] < 0 || b[0] > b[2] || b[1] > b[3] || b[2] > JpegCheck.MAX_DIMENSION || b[3] > JpegCheck.MAX_DIMENSION) {
            throw new InvalidInputException(400, error, "a box must be [x1, y1, x2, y2] with 0 <= x1 <= x2 and 0 <= y1 <= y2");
        }
        if (d.from() != null && d.from() < 0) {
            throw new InvalidInputException(400, error, "from, the frame a detection was found in, must be a frame number");
        }
        if (d.origin() != null) {
            throw new InvalidInputException(400, error, "origin is the receiver's to set: a sender's detections have none");
        }
    }
}
