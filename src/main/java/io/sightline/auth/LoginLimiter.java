package io.sightline.auth;

import io.sightline.wire.InvalidInputException;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Slows down password guessing: after {@code maxFailures} failed logins for one account from one address within the
 * window, or four times as many from one address for any accounts, that address is refused (429, with Retry-After)
 * until the oldest failure leaves the window. A success clears the account's count. Bounded in memory.
 */
public class LoginLimiter {

    private static final int KEYS = 10_000;

    private final int maxFailures;
    private final long windowMillis;
    private final Map<String, Deque<Long>> failures = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Deque<Long>> eldest) {
            return size() > KEYS;
        }
    };

    public LoginLimiter(int maxFailures, long windowMillis) {
        this.maxFailures = maxFailures;
        this.windowMillis = windowMillis;
    }

    /**
     * Before a login is checked: refused while this address has used up its failures, else counted as a failure
     * until {@link #succeeded} says otherwise (so logins checked at the same time cannot all pass the limit).
     */
    public synchronized void attempt(String address, String account) {
        long now = System.currentTimeMillis();
        long wait = Math.max(waitMillis(address + "|" + account, maxFailures, now), waitMillis(address, 4 * maxFailures, now));
        if (wait > 0) {
            throw new InvalidInputException(429, "too-many-logins", "too many failed logins from " + address
                    + "; try again in " + (wait + 999) / 1000 + " s", (wait + 999) / 1000);
        }
        failures.computeIfAbsent(address + "|" + account, k -> new ArrayDeque<>()).addLast(now);
        failures.computeIfAbsent(address, k -> new ArrayDeque<>()).addLast(now);
    }

    /** The login succeeded: the account's failures from this address are forgotten, and this attempt was none. */
    public synchronized void succeeded(String address, String account) {
        failures.remove(address + "|" + account);
        Deque<Long> all = failures.get(address);
        if (all != null && !all.isEmpty()) {
            all.removeLast();
        }
    }

    private long waitMillis(String key, int max, long now) {
        Deque<Long> times = failures.get(key);
        if (times == null) {
            return 0;
        }
        while (!times.isEmpty() && times.peekFirst() <= now - windowMillis) {
            times.removeFirst();
        }
        return times.size() < max ? 0 : times.peekFirst() + windowMillis - now;
    }
}
