package io.sightline.config;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * A misspelled setting would otherwise be ignored without a word: at start, every {@code sightline.*} key given
 * (in the user's properties file, as a system property, an environment variable {@code SIGHTLINE_*} or an
 * override) that Sightline does not know is reported with the closest key it does know. Known: the keys of the
 * defaults in the jar, the secrets and their {@code -file} forms.
 */
public final class UnknownSettings {

    private static final Logger LOG = LoggerFactory.getLogger(UnknownSettings.class);
    /** Environment variables of the start-up scripts (the container entrypoint), not settings. */
    private static final Set<String> NOT_SETTINGS = Set.of("sightline_config", "sightline_home", "sightline_config_dir");

    private UnknownSettings() {
    }

    /** Logs a warning for each unknown key; returns them with their closest known key, for tests. */
    public static Map<String, String> warn(Path userFile, Map<String, String> overrides) {
        Map<String, String> known = known();
        Map<String, String> given = new LinkedHashMap<>();
        if (userFile != null) {
            load(userFile).stringPropertyNames().forEach(k -> given.put(k, "the file " + userFile));
        }
        System.getProperties().stringPropertyNames().forEach(k -> given.put(k, "a system property"));
        System.getenv().keySet().forEach(k -> given.put(k, "the environment"));
        overrides.keySet().forEach(k -> given.put(k, "the overrides"));
        Map<String, String> unknown = new TreeMap<>();
        given.forEach((key, where) -> {
            String normal = normal(key);
            if (normal.startsWith("sightline_") && !known.containsKey(normal) && !NOT_SETTINGS.contains(normal)) {
                String closest = closest(normal, known);
                unknown.put(key, closest);
                LOG.warn("Unknown setting {} (from {}) is ignored: did you mean {}?", key, where, closest);
            }
        });
        return unknown;
    }

    /** Normalised form → key: {@code sightline.capture.width} and {@code SIGHTLINE_CAPTURE_WIDTH} are one. */
    static Map<String, String> known() {
        Map<String, String> known = new TreeMap<>();
        Properties defaults = new Properties();
        try (InputStream in = UnknownSettings.class.getClassLoader().getResourceAsStream("application.properties")) {
            if (in == null) {
                throw new IllegalStateException("application.properties is missing from the classpath");
            }
            defaults.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        defaults.stringPropertyNames().forEach(k -> known.put(normal(k), k));
        known.put(normal("sightline.config"), "sightline.config");
        for (String secret : Secrets.KEYS) {
            known.put(normal(secret), secret);
            known.put(normal(secret + "-file"), secret + "-file");
        }
        return known;
    }

    private static Properties load(Path file) {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        return p;
    }

    static String normal(String key) {
        return key.toLowerCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static String closest(String normal, Map<String, String> known) {
        Optional<Map.Entry<String, String>> best = known.entrySet().stream()
                .min((a, b) -> Integer.compare(distance(normal, a.getKey()), distance(normal, b.getKey())));
        return best.map(Map.Entry::getValue).orElse("?");
    }

    /** Levenshtein distance. */
    static int distance(String a, String b) {
        int[] previous = new int[b.length() + 1];
        int[] current = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            previous[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            current[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                current[j] = Math.min(substitute, Math.min(previous[j], current[j - 1]) + 1);
            }
            int[] swap = previous;
            previous = current;
            current = swap;
        }
        return previous[b.length()];
    }
}
