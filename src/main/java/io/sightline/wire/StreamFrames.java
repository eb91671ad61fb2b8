package io.sightline.wire;

import org.apache.camel.Exchange;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * The frames of the streamed ingest ({@code /api/v1/stream}, docs/protocol.md): one binary WebSocket message per
 * frame, and one text message per acknowledgement.
 * <pre>
 *   byte 0      version (1)
 *   bytes 1-8   sequence number, chosen by the sender, echoed by the acknowledgement
 *   bytes 9-12  CRC32C of everything after byte 14 (metadata and JPEG)
 *   bytes 13-14 metadata length M
 *   M bytes     metadata: the POST's Sightline-* headers without the prefix, "Frame: 17\n" (UTF-8); lines at their
 *               default (Segment-Last false, Detections [], Quality full) may be left out
 *   the rest    the JPEG
 * </pre>
 * Acknowledgement: {@code {"seq": 17, "status": 201, "answer": {...}}}, the answer being the POST's response body.
 */
public class StreamFrames {

    public static final String PATH = "/api/v1/stream";
    public static final int VERSION = 1;
    private static final int HEAD = 15;
    private static final String PREFIX = "Sightline-";
    private static final Map<String, String> DEFAULTS = Map.of(
            FrameHeaders.SEGMENT_LAST, "false", FrameHeaders.DETECTIONS, "[]", FrameHeaders.QUALITY, FrameHeaders.FULL);

    /** A frame as read from its message: the metadata as the POST's header names, and the JPEG. */
    public record Frame(long seq, Map<String, String> headers, byte[] jpeg) {
    }

    /** Receiver step of {@code frames-stream-in}: the frame's metadata as the POST's headers, its JPEG as the body. */
    public void read(Exchange exchange) {
        Frame frame = decode(exchange.getMessage().getBody(byte[].class));
        exchange.getMessage().setHeaders(new HashMap<>(frame.headers()));
        exchange.getMessage().setBody(frame.jpeg());
    }

    /** The message of one frame; {@code headers} are those {@link FrameHeaders#write} sets (others are left out). */
    public static byte[] encode(long seq, Map<String, Object> headers, byte[] jpeg) {
        StringBuilder meta = new StringBuilder(256);
        headers.forEach((name, value) -> {
            String text = value == null ? null : value.toString();
            if (text != null && name.startsWith(PREFIX) && !text.equals(DEFAULTS.get(name))) {
                meta.append(name, PREFIX.length(), name.length()).append(": ").append(text).append('\n');
            }
        });
        byte[] metaBytes = meta.toString().getBytes(StandardCharsets.UTF_8);
        if (metaBytes.length > 0xFFFF) {
            throw new IllegalArgumentException("frame metadata of " + metaBytes.length + " bytes does not fit a stream frame");
        }
        ByteBuffer message = ByteBuffer.allocate(HEAD + metaBytes.length + jpeg.length);
        message.put((byte) VERSION).putLong(seq).putInt(0).putShort((short) metaBytes.length).put(metaBytes).put(jpeg);
        CRC32C crc = new CRC32C();
        crc.update(message.array(), HEAD, message.capacity() - HEAD);
        message.putInt(9, (int) crc.getValue());
        return message.array();
    }

    /** The sequence number of a message, or -1 when it is too short to carry one. */
    public static long seq(byte[] message) {
        return message.length >= HEAD ? ByteBuffer.wrap(message).getLong(1) : -1;
    }

    /** Reads and checks one message; 400 {@code invalid-stream-frame} when it is not a well-formed frame. */
    public static Frame decode(byte[] message) {
        if (message.length < HEAD) {
            throw invalid("a stream frame has at least " + HEAD + " bytes");
        }
        ByteBuffer in = ByteBuffer.wrap(message);
        if (in.get(0) != VERSION) {
            throw invalid("stream frame version " + in.get(0) + " is not supported (this receiver reads " + VERSION + ")");
        }
        int metaLength = Short.toUnsignedInt(in.getShort(13));
        if (HEAD + metaLength > message.length) {
            throw invalid("the metadata length runs past the end of the frame");
        }
        CRC32C crc = new CRC32C();
        crc.update(message, HEAD, message.length - HEAD);
        if ((int) crc.getValue() != in.getInt(9)) {
            throw invalid("the CRC32C does not match: the frame was damaged");
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line : utf8(in.slice(HEAD, metaLength)).split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            int colon = line.indexOf(": ");
            if (colon <= 0) {
                throw invalid("metadata line without \"name: value\"");
            }
            headers.put(PREFIX + line.substring(0, colon), line.substring(colon + 2));
        }
        byte[] jpeg = new byte[message.length - HEAD - metaLength];
        System.arraycopy(message, HEAD + metaLength, jpeg, 0, jpeg.length);
        return new Frame(in.getLong(1), headers, jpeg);
    }

    /** The acknowledgement of frame {@code seq}: its status and the answer a POST of it would have had. */
    public static String ack(long seq, int status, String answerJson) {
        return "{\"seq\":" + seq + ",\"status\":" + status + ",\"answer\":" + answerJson + "}";
    }

    private static String utf8(ByteBuffer bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(bytes).toString();
        } catch (CharacterCodingException e) {
            throw invalid("the metadata is not UTF-8");
        }
    }

    private static InvalidInputException invalid(String detail) {
        return new InvalidInputException(400, "invalid-stream-frame", detail);
    }
}
