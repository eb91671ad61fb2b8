package io.sightline;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;

import java.util.Optional;

/**
 * Typed access to {@code sightline.*} keys through Camel's properties component, so the same precedence applies
 * as in routes: override properties, then {@code -D} system properties and environment variables
 * ({@code SIGHTLINE_RECEIVER_HTTP_PORT} for {@code sightline.receiver.http-port}), then the properties file.
 */
public final class Settings {

    private final PropertiesComponent properties;

    public Settings(CamelContext context) {
        this.properties = context.getPropertiesComponent();
    }

    public Optional<String> optional(String key) {
        return properties.resolveProperty(key).map(String::trim).filter(v -> !v.isEmpty());
    }

    public String text(String key, String fallback) {
        return optional(key).orElse(fallback);
    }

    public int integer(String key, int fallback) {
        return optional(key).map(v -> parse(key, v, Integer::parseInt)).orElse(fallback);
    }

    public long number(String key, long fallback) {
        return optional(key).map(v -> parse(key, v, Long::parseLong)).orElse(fallback);
    }

    public double decimal(String key, double fallback) {
        return optional(key).map(v -> parse(key, v, Double::parseDouble)).orElse(fallback);
    }

    public boolean flag(String key, boolean fallback) {
        return optional(key).map(v -> parse(key, v, s -> {
            if (!s.equalsIgnoreCase("true") && !s.equalsIgnoreCase("false")) {
                throw new IllegalArgumentException();
            }
            return Boolean.parseBoolean(s);
        })).orElse(fallback);
    }

    private static <T> T parse(String key, String value, java.util.function.Function<String, T> parser) {
        try {
            return parser.apply(value);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("Invalid value '" + value + "' for " + key);
        }
    }
}
