package io.sightline.segment;

import io.sightline.wire.InvalidInputException;
import org.apache.camel.Exchange;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Answers a request for a file with HTTP range support, so a browser's video element can seek without loading the
 * whole file: {@code Range: bytes=a-b}, {@code a-} or {@code -n} gets 206 with {@code Content-Range}, anything else
 * the whole file (200); a range past the end 416. An open range ({@code bytes=a-}, what a video element asks) is
 * answered with at most {@link #MAX_CHUNK} bytes (the browser asks again from where it stopped), so memory per
 * request stays bounded while it plays.
 */
final class HttpRanges {

    static final int MAX_CHUNK = 4 << 20;
    /** A closed range is answered in full up to this size; beyond it, its first part (memory stays bounded). */
    static final int MAX_RANGE = 64 << 20;
    /** At most 18 digits, so a number always fits a long; a longer one makes the header invalid (ignored). */
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d{0,18})-(\\d{0,18})");

    private HttpRanges() {
    }

    /**
     * Reads {@code Range} from the request, then replaces every header with the answer's. The body: the file itself
     * without a range (the server streams it), else the bytes of the range.
     */
    static Object serve(Exchange exchange, Path file, String contentType) throws IOException {
        String range = exchange.getMessage().getHeader("Range", String.class);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            long from = 0;
            long to = size - 1;
            boolean partial = false;
            Matcher m = range == null ? null : RANGE.matcher(range.trim());
            if (m != null && m.matches() && !(m.group(1).isEmpty() && m.group(2).isEmpty())) {
                partial = true;
                if (m.group(1).isEmpty()) {
                    from = Math.max(0, size - Long.parseLong(m.group(2))); // the last n bytes
                } else {
                    from = Long.parseLong(m.group(1));
                    to = m.group(2).isEmpty() ? size - 1 : Math.min(size - 1, Long.parseLong(m.group(2)));
                }
                if (from >= size || from > to) {
                    throw new InvalidInputException(416, "range-not-satisfiable", "the file has " + size + " bytes");
                }
                to = Math.min(to, from + (m.group(2).isEmpty() ? MAX_CHUNK : MAX_RANGE) - 1);
            }
            exchange.getMessage().removeHeaders("*");
            exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, contentType);
            exchange.getMessage().setHeader("Accept-Ranges", "bytes");
            if (!partial) {
                return file.toFile();
            }
            ByteBuffer body = ByteBuffer.allocate((int) (to - from + 1));
            while (body.hasRemaining() && channel.read(body, from + body.position()) >= 0) {
                // a file read can return fewer bytes than asked
            }
            exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 206);
            exchange.getMessage().setHeader("Content-Range", "bytes " + from + "-" + to + "/" + size);
            return body.array();
        }
    }
}
