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

    /** Parses and checks a detection list; {@code error} names the reason a rejection is reported under. */
    public static List<Detection> detections(String json, String error) {
        List<Detection> parsed;
        try {
            parsed = MAPPER.readValue(json, DETECTIONS);
        } catch (JsonProcessingException | IllegalArgumentException e) {
            throw new InvalidInputException(400, error, "detections are not a JSON array of {label, confidence, box}");
        }
        if (parsed == null) {
            throw new InvalidInputException(400, error, "detections must be an array");
        }
        parsed.forEach(d -> check(d, error));
        return parsed;
    }

    static void check(Detection d, String error) {
        if (d == null || d.label() == null || d.label().isEmpty() || d.label().length() > 64 || d.box() == null || d.box().length != 4
                || !Double.isFinite(d.confidence()) || d.confidence() < 0 || d.confidence() > 1) {
            throw new InvalidInputException(400, error,
                    "each detection needs a label, a confidence in [0,1] and a box of 4 integers");
        }
    }
}
