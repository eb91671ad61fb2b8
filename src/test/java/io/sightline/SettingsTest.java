package io.sightline;

import io.sightline.config.Secrets;
import io.sightline.config.UnknownSettings;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every default lives once, in application.properties: each sightline.* key the code or a route reads is
 * documented there (or, for a secret, named in its comments), and each key documented there is read by
 * something. A key the code reads by a prefix ("sightline.role." + role) counts for every key under it.
 */
class SettingsTest {

    private static final Pattern KEY = Pattern.compile("sightline\\.[a-z0-9][a-z0-9.-]*[a-z0-9.]");

    private static Properties documented() throws IOException {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("application.properties"))) {
            p.load(in);
        }
        return p;
    }

    /** Keys in code (string literals), routes and property values ({{...}} placeholders). */
    private static Set<String> read() throws IOException {
        Set<String> keys = new TreeSet<>();
        try (Stream<Path> java = Files.walk(Path.of("src/main/java"))) {
            for (Path file : java.filter(f -> f.toString().endsWith(".java")).toList()) {
                Matcher m = Pattern.compile("\"(" + KEY.pattern() + ")").matcher(Files.readString(file));
                while (m.find()) {
                    keys.add(m.group(1));
                }
            }
        }
        try (Stream<Path> routes = Files.list(Path.of("routes"))) {
            for (Path file : routes.toList()) {
                placeholders(Files.readString(file), keys);
            }
        }
        for (String value : documented().stringPropertyNames().stream().map(k -> {
            try {
                return documented().getProperty(k);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }).toList()) {
            placeholders(value, keys);
        }
        return keys;
    }

    private static void placeholders(String text, Set<String> keys) {
        Matcher m = Pattern.compile("\\{\\{(" + KEY.pattern() + ")").matcher(text);
        while (m.find()) {
            keys.add(m.group(1));
        }
    }

    @Test
    void everyKeyReadIsDocumentedAndEveryDocumentedKeyIsRead() throws IOException {
        Set<String> documented = documented().stringPropertyNames().stream().filter(k -> k.startsWith("sightline."))
                .collect(java.util.stream.Collectors.toCollection(TreeSet::new));
        String comments = Files.readString(Path.of("application.properties"));
        Set<String> read = read();
        for (String key : read) {
            boolean family = key.endsWith(".");
            boolean known = family ? documented.stream().anyMatch(d -> d.startsWith(key)) : documented.contains(key)
                    || Secrets.KEYS.contains(key) || key.equals("sightline.config");
            assertThat(known).as("%s is read but has no default in application.properties", key).isTrue();
        }
        for (String secret : Secrets.KEYS) {
            assertThat(comments).as("the secret %s is named in application.properties", secret)
                    .containsAnyOf(secret, secret.replace("sightline.", "SIGHTLINE_").replace('.', '_').replace('-', '_').toUpperCase());
        }
        for (String key : documented) {
            boolean isRead = read.contains(key) || read.stream().anyMatch(r -> r.endsWith(".") && key.startsWith(r));
            assertThat(isRead).as("%s is documented but nothing reads it", key).isTrue();
        }
    }

    @Test
    void aMisspelledKeyIsReportedWithTheClosestKnownOne() {
        Map<String, String> unknown = UnknownSettings.warn(null, Map.of("sightline.capture.widht", "320",
                "sightline.recevier.host", "10.0.0.5", "sightline.capture.width", "320", "test.other", "x"));
        assertThat(unknown).containsEntry("sightline.capture.widht", "sightline.capture.width")
                .containsEntry("sightline.recevier.host", "sightline.receiver.host").hasSize(2);
    }
}
