package io.sightline.auth;

import io.sightline.wire.DeviceKeys;

import java.nio.charset.StandardCharsets;

/**
 * The operator token ({@code SIGHTLINE_OPERATOR_TOKEN}): an admin's credential for scripts, and what the device
 * check recognises to refuse it on the devices' endpoints. Without one configured nobody knows it (a random one).
 */
public class OperatorToken {

    private final byte[] token;

    public OperatorToken(String token) {
        this.token = token.getBytes(StandardCharsets.UTF_8);
    }

    /** Changes with the token: the sessions made with a token end when it is replaced. */
    public String fingerprint() {
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                DeviceKeys.hmac(token, "sightline-token-sessions".getBytes(StandardCharsets.US_ASCII))).substring(0, 12);
    }

    public boolean matches(String candidate) {
        return DeviceKeys.same(token, candidate.getBytes(StandardCharsets.UTF_8));
    }
}
