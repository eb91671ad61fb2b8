package io.sightline.http;

import io.sightline.wire.InvalidInputException;

/**
 * Whether the receiver takes requests: from the moment every route has started until it begins to stop. The
 * receiver's HTTP port asks it before any route ({@link ServerVertx}); routes on other ports ask it as their first
 * step ({@link #check}).
 */
public class Readiness {

    private volatile boolean open;

    public void open() {
        open = true;
    }

    public void close() {
        open = false;
    }

    public boolean isOpen() {
        return open;
    }

    /** First step of a route that takes requests: 503 with {@code Retry-After: 1} while not ready. */
    public void check() {
        if (!open) {
            throw new InvalidInputException(503, "not-ready", "the receiver is starting or stopping; try again shortly", 1);
        }
    }
}
