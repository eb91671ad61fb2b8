package io.sightline.auth;

import io.sightline.wire.Json;
import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.apache.camel.component.platform.http.vertx.HttpMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Who did what: every login (and failed login), command, acknowledgement and account change, with the account and
 * the address it came from, one JSON line each in {@code audit.jsonl} (appended and flushed to disk before the
 * action's answer). Kept in full on disk; the newest entries in memory for {@code GET /api/v1/audit}.
 */
public class AuditLog {

    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
    static final int KEPT = 10_000;

    public record Entry(long time, String account, String action, String target, String detail, String from) {
    }

    private final FileChannel out;
    private final Deque<Entry> recent = new ArrayDeque<>();

    public AuditLog(Path file) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            if (Files.exists(file)) {
                for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                    try {
                        keep(Json.MAPPER.readValue(line, Entry.class));
                    } catch (IOException e) {
                        LOG.warn("Skipping an unreadable line of {} (a torn write at a crash?)", file);
                    }
                }
            }
            out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the audit log " + file, e);
        }
    }

    /** Step of an operator route: the action of the operator the request's check found, on {@code target}. */
    public void record(Exchange exchange, String action, String target, String detail) {
        Operator who = exchange.getProperty(Operator.PROPERTY, Operator.class);
        record(who == null ? "-" : who.name(), action, target, detail, from(exchange));
    }

    public synchronized void record(String account, String action, String target, String detail, String from) {
        Entry entry = new Entry(System.currentTimeMillis(), account, action, target, detail, from);
        try {
            out.write(ByteBuffer.wrap((Json.text(entry) + "\n").getBytes(StandardCharsets.UTF_8)));
            out.force(false);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the audit log", e);
        }
        keep(entry);
    }

    /** The newest entries first, at most {@code limit} (100 by default). */
    public synchronized List<Entry> recent(@Header("limit") Integer limit) {
        int n = Math.max(1, Math.min(limit == null ? 100 : limit, KEPT));
        List<Entry> list = new ArrayList<>(n);
        var it = recent.descendingIterator();
        while (it.hasNext() && list.size() < n) {
            list.add(it.next());
        }
        return list;
    }

    private void keep(Entry entry) {
        recent.addLast(entry);
        if (recent.size() > KEPT) {
            recent.removeFirst();
        }
    }

    public void close() throws IOException {
        out.close();
    }

    static String from(Exchange exchange) {
        if (exchange.getIn() instanceof HttpMessage http && http.getRequest() != null) {
            return http.getRequest().remoteAddress().hostAddress();
        }
        return "-";
    }
}
