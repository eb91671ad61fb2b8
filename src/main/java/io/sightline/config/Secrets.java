package io.sightline.config;

import org.apache.camel.CamelContext;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * Keys, tokens and passwords never live in {@code application.properties} (its comments name them): each comes
 * from the environment or a system property ({@code SIGHTLINE_SECURITY_MASTER_KEY} for
 * {@code sightline.security.master-key}), or from the file named by the same key with {@code -file}.
 */
public final class Secrets {

    /** Every secret Sightline reads; each is named in a comment of application.properties. */
    public static final Set<String> KEYS = Set.of("sightline.security.master-key", "sightline.security.previous-master-key",
            "sightline.security.device-key", "sightline.operator-token", "sightline.hawtio.password",
            "sightline.management.token", "sightline.tls.keystore-password", "sightline.tls.truststore-password",
            "sightline.mqtt.password", "sightline.webhook.secret");

    private Secrets() {
    }

    public static Optional<String> read(CamelContext context, String key) {
        if (!KEYS.contains(key)) {
            throw new IllegalArgumentException(key + " is not a secret");
        }
        Optional<String> direct = value(context, key);
        if (direct.isPresent()) {
            return direct;
        }
        return value(context, key + "-file").map(file -> {
            try {
                return Files.readString(Path.of(file)).trim();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + key + "-file " + file, e);
            }
        });
    }

    private static Optional<String> value(CamelContext context, String key) {
        return context.getPropertiesComponent().resolveProperty(key).map(String::trim).filter(v -> !v.isEmpty());
    }
}
