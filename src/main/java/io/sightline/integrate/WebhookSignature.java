package io.sightline.integrate;

import org.apache.camel.Exchange;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.HexFormat;

/**
 * Signs a webhook's body so its receiver can tell it came from this Sightline and was not replayed later:
 * {@code Sightline-Timestamp} (Unix seconds) and {@code Sightline-Signature: sha256=<hex>}, the HMAC-SHA256 under
 * the shared secret of {@code <timestamp>.<body>} (the scheme GitHub's and Stripe's webhooks use; docs/integrations.md
 * shows the check).
 */
public class WebhookSignature {

    public static final String TIMESTAMP = "Sightline-Timestamp";
    public static final String SIGNATURE = "Sightline-Signature";

    private final byte[] secret;

    /** An empty secret signs nothing: Sightline does not start with the webhook on and no secret. */
    public WebhookSignature(String secret) {
        this.secret = secret.getBytes(StandardCharsets.UTF_8);
    }

    /** Step of the webhook route: body is the JSON to post. Signed once; its retries carry the same signature. */
    public void sign(Exchange exchange) {
        byte[] body = exchange.getMessage().getBody(byte[].class);
        String timestamp = String.valueOf(System.currentTimeMillis() / 1000);
        exchange.getMessage().setHeader(TIMESTAMP, timestamp);
        exchange.getMessage().setHeader(SIGNATURE, "sha256=" + signature(timestamp, body));
    }

    public String signature(String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256")); // refuses an empty key
            mac.update((timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }
}
