package io.sightline.auth;

import org.apache.camel.Exchange;

/** Reads {@code Authorization: Bearer <token>}; a bounded length, so a huge header costs nothing to check. */
final class Bearer {

    private static final int MAX_TOKEN = 512;

    private Bearer() {
    }

    static String token(Exchange exchange) {
        return token(exchange.getMessage().getHeader("Authorization", String.class));
    }

    static String token(String header) {
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7) || header.length() > 7 + MAX_TOKEN) {
            return null;
        }
        String token = header.substring(7).trim();
        return token.isEmpty() ? null : token;
    }
}
