package io.sightline.auth;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.sightline.wire.InvalidInputException;

import java.util.Locale;

/**
 * What an operator account may do, each role everything the one before may: a viewer watches live and recorded
 * video and alerts, an operator also commands devices (WAIT / RESUME) and acknowledges alerts, an admin also
 * manages the accounts and reads the audit log.
 */
public enum AccountRole {
    VIEWER, OPERATOR, ADMIN;

    public boolean permits(AccountRole needed) {
        return compareTo(needed) >= 0;
    }

    @JsonValue
    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** As written in the API, the audit log and the session: {@code viewer}, {@code operator}, {@code admin}. */
    @Override
    public String toString() {
        return key();
    }

    @JsonCreator
    public static AccountRole parse(String value) {
        for (AccountRole role : values()) {
            if (role.key().equals(value)) {
                return role;
            }
        }
        throw new InvalidInputException(400, "invalid-role", "role must be viewer, operator or admin, was '" + value + "'");
    }
}
