package io.sightline.auth;

import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.DeviceKeys;
import io.sightline.wire.FrameMeta;
import io.sightline.wire.Ids;
import io.sightline.wire.InvalidInputException;
import io.sightline.wire.MasterKeys;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Frame ingest authentication: {@code Authorization: Bearer <device>.<mac>}, the device's token derived from the
 * master key (see {@link DeviceKeys}), or from the previous master key while a rotation's overlap lasts (counted
 * in {@code sightline_auth_previous_key_total}, so operators see which devices still need their new key). 401
 * without a valid device token; 403 for a valid token of the wrong kind (the operator's) or of another device than
 * the frame claims.
 */
public class DeviceAuth {

    /** Tokens derived so far: two HMACs per request were a visible share of the ingest profile. */
    private static final int MAX_CACHED_TOKENS = 4096;

    private record Expected(MasterKeys.Generation generation, byte[] token) {
    }

    private final MasterKeys masterKeys;
    private final OperatorToken operatorToken;
    private final SightlineMetrics metrics;
    private final Map<String, List<Expected>> expectedTokens = new ConcurrentHashMap<>();

    public DeviceAuth(MasterKeys masterKeys, OperatorToken operatorToken, SightlineMetrics metrics) {
        this.masterKeys = masterKeys;
        this.operatorToken = operatorToken;
        this.metrics = metrics;
    }

    /** First step of {@code frames-in}: the device the token proves. */
    public String check(Exchange exchange) {
        return device(Bearer.token(exchange));
    }

    /** The device an {@code Authorization} header proves (a stream's, once at its upgrade); 401 or 403 if none. */
    public String deviceOf(String authorization) {
        return device(Bearer.token(authorization));
    }

    private String device(String token) {
        if (token == null) {
            throw new InvalidInputException(401, "unauthorized", "a device token is required (Authorization: Bearer ...)");
        }
        int dot = token.indexOf('.');
        String device = dot > 0 ? token.substring(0, dot) : "";
        if (Ids.isValid(device) && valid(device, token)) {
            return device;
        }
        if (operatorToken.matches(token)) {
            throw new InvalidInputException(403, "forbidden", "an operator token cannot post frames");
        }
        throw new InvalidInputException(401, "unauthorized", "the device token is not valid");
    }

    /** After the metadata is read: a device posts frames only as itself. */
    public void sameDevice(@ExchangeProperty("device") String device, @ExchangeProperty("frame") FrameMeta meta) {
        if (!meta.device().equals(device)) {
            throw new InvalidInputException(403, "forbidden", "this token may only post frames of its own device");
        }
    }

    private boolean valid(String device, String token) {
        List<Expected> expected = expectedTokens.get(device);
        if (expected == null) {
            if (expectedTokens.size() >= MAX_CACHED_TOKENS) {
                expectedTokens.clear(); // many made-up device names: the cache stays bounded
            }
            expected = masterKeys.candidates(device).stream().map(c -> new Expected(c.generation(),
                    DeviceKeys.httpToken(device, c.deviceKey()).getBytes(StandardCharsets.US_ASCII))).toList();
            expectedTokens.put(device, expected);
        }
        byte[] presented = token.getBytes(StandardCharsets.US_ASCII);
        for (Expected e : expected) {
            boolean accepted = e.generation() == MasterKeys.Generation.CURRENT || masterKeys.previousAccepted();
            if (accepted && DeviceKeys.same(e.token(), presented)) {
                masterKeys.proven(device, e.generation());
                if (e.generation() == MasterKeys.Generation.PREVIOUS) {
                    metrics.counter("auth.previous.key", "device", device, "path", "http").increment();
                }
                return true;
            }
        }
        return false;
    }
}
