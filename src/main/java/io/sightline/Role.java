package io.sightline;

import java.util.Locale;

/** What a Sightline process plays: the device, the receiving end, or both on loopback (the demo). */
public enum Role {
    SENDER, RECEIVER, ALL;

    public static Role parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("sightline.role must be sender, receiver or all, was '" + value + "'");
        }
    }

    /** As written in {@code sightline.role} and in the role's own keys ({@code sightline.role.<key>.*}). */
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    public boolean sends() {
        return this != RECEIVER;
    }

    public boolean receives() {
        return this != SENDER;
    }
}
