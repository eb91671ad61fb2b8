package io.sightline.wire;

import java.util.regex.Pattern;

/**
 * Device, stream and segment ids become directory and file names on the receiver, so they are restricted to a
 * character set that cannot name another directory.
 */
public final class Ids {

    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

    private Ids() {
    }

    public static boolean isValid(String id) {
        return id != null && VALID.matcher(id).matches();
    }

    public static String require(String what, String id) {
        if (!isValid(id)) {
            throw new InvalidInputException(400, "invalid-" + what,
                    what + " must be 1-64 letters, digits, '-' or '_'");
        }
        return id;
    }
}
