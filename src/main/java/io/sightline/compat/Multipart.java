package io.sightline.compat;

import io.sightline.wire.InvalidInputException;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A {@code multipart/form-data} body split into its named parts (what the old senders post with requests). */
final class Multipart {

    private static final Pattern BOUNDARY = Pattern.compile("boundary=\"?([^\";]+)\"?", Pattern.CASE_INSENSITIVE);
    private static final Pattern NAME = Pattern.compile("name=\"([^\"]*)\"", Pattern.CASE_INSENSITIVE);
    private static final byte[] HEAD_END = {'\r', '\n', '\r', '\n'};

    private Multipart() {
    }

    /** One part: its content type (may be null) and bytes. */
    record Part(String contentType, byte[] bytes) {

        String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    static Map<String, Part> parse(byte[] body, String contentType) {
        Matcher b = contentType == null ? null : BOUNDARY.matcher(contentType);
        if (b == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data") || !b.find()) {
            throw new InvalidInputException(400, "not-multipart", "expected multipart/form-data");
        }
        byte[] delimiter = ("--" + b.group(1)).getBytes(StandardCharsets.US_ASCII);
        Map<String, Part> parts = new HashMap<>();
        int at = indexOf(body, delimiter, 0);
        while (at >= 0) {
            int start = at + delimiter.length;
            if (start + 1 < body.length && body[start] == '-' && body[start + 1] == '-') {
                break; // the closing delimiter
            }
            start += 2; // CRLF after the delimiter
            int headEnd = indexOf(body, HEAD_END, start);
            int next = indexOf(body, delimiter, start);
            if (headEnd < 0 || next < 0 || headEnd > next) {
                break;
            }
            String head = new String(body, start, headEnd - start, StandardCharsets.UTF_8);
            int end = next - 2; // the CRLF before the next delimiter
            Matcher name = NAME.matcher(head);
            if (name.find() && end >= headEnd + 4) {
                parts.put(name.group(1), new Part(header(head, "content-type"), Arrays.copyOfRange(body, headEnd + 4, end)));
            }
            at = next;
        }
        return parts;
    }

    private static String header(String head, String name) {
        for (String line : head.split("\r\n")) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
                return line.substring(colon + 1).trim();
            }
        }
        return null;
    }

    private static int indexOf(byte[] data, byte[] pattern, int from) {
        outer:
        for (int i = from; i <= data.length - pattern.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
