package io.sightline;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What a Sightline process plays ({@code sightline.role}): the device ({@code sender}), the receiving end
 * ({@code receiver}: its three parts in one process), both on loopback ({@code all}, the demo), or, in a cluster,
 * any combination of the receiving parts, comma-separated ({@code ingest}, {@code segments}, {@code console}).
 */
public record Role(String value, Set<Part> parts) {

    /** A part of Sightline with its own route files ({@code sightline.role.<key>.routes}). */
    public enum Part {
        SENDER, INGEST, SEGMENTS, CONSOLE;

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final Set<Part> RECEIVER = EnumSet.of(Part.INGEST, Part.SEGMENTS, Part.CONSOLE);

    public static Role parse(String value) {
        Set<Part> parts = EnumSet.noneOf(Part.class);
        for (String word : value.split(",")) {
            switch (word.trim().toLowerCase(Locale.ROOT)) {
                case "sender" -> parts.add(Part.SENDER);
                case "receiver" -> parts.addAll(RECEIVER);
                case "all" -> parts.addAll(EnumSet.allOf(Part.class));
                case "ingest" -> parts.add(Part.INGEST);
                case "segments" -> parts.add(Part.SEGMENTS);
                case "console" -> parts.add(Part.CONSOLE);
                default -> throw new IllegalArgumentException("sightline.role must be sender, receiver, all, or a"
                        + " combination of ingest, segments and console (e.g. ingest,console), was '" + value + "'");
            }
        }
        return new Role(value.trim().toLowerCase(Locale.ROOT), parts);
    }

    public boolean sends() {
        return parts.contains(Part.SENDER);
    }

    public boolean receives() {
        return parts.stream().anyMatch(RECEIVER::contains);
    }

    /** Ingest, segments and console in this one process: what the local hand-off between them needs. */
    public boolean wholeReceiver() {
        return parts.containsAll(RECEIVER);
    }

    public boolean has(Part part) {
        return parts.contains(part);
    }

    /** The demo: sender and receiver in one process on loopback. */
    public boolean demo() {
        return parts.size() == Part.values().length;
    }

    /** For the Camel context's name: sender, receiver, all, or the parts joined by '-'. */
    public String label() {
        if (demo()) {
            return "all";
        }
        if (parts.equals(RECEIVER)) {
            return "receiver";
        }
        return parts.stream().map(Part::key).collect(Collectors.joining("-"));
    }
}
