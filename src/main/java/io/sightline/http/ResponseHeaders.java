package io.sightline.http;

import org.apache.camel.Exchange;
import org.apache.camel.http.base.HttpHeaderFilterStrategy;
import org.apache.camel.spi.HeaderFilterStrategy;

import java.util.Locale;
import java.util.Set;

/**
 * The headers an API answer may carry: those the routes set for it (content type, caching, a download's name,
 * where to go next, when to come back, how to log in, a frame's number), never the request's own (its
 * {@code Authorization} or {@code Cookie} echoed back). Incoming headers are read as platform-http reads them.
 */
public class ResponseHeaders implements HeaderFilterStrategy {

    private static final Set<String> ANSWER = Set.of("content-type", "content-disposition", "cache-control", "location",
            "retry-after", "www-authenticate", "set-cookie", "accept-ranges", "content-range");

    private final HeaderFilterStrategy incoming = new HttpHeaderFilterStrategy();

    @Override
    public boolean applyFilterToCamelHeaders(String name, Object value, Exchange exchange) {
        String lower = name.toLowerCase(Locale.ROOT);
        return !ANSWER.contains(lower) && !lower.startsWith("sightline-");
    }

    @Override
    public boolean applyFilterToExternalHeaders(String name, Object value, Exchange exchange) {
        return incoming.applyFilterToExternalHeaders(name, value, exchange);
    }
}
