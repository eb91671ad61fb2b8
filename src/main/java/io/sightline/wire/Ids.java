package io.sightline.wire;

import java.net.InetAddress;
import java.security.SecureRandom;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
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

    /** {@code configured}, or when empty this machine's host name, made into a valid id. */
    public static String deviceId(String configured) {
        String id = configured == null || configured.isBlank() ? hostName() : configured.trim();
        String cleaned = id.replaceAll("[^A-Za-z0-9_-]", "-");
        return require("device", cleaned.length() > 64 ? cleaned.substring(0, 64) : cleaned);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            return "sightline";
        }
    }

    /** New at each start, so frame and datagram numbers of two runs never collide. Sorts by start time. */
    public static String newStreamId() {
        byte[] random = new byte[2];
        new SecureRandom().nextBytes(random);
        return DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").format(ZonedDateTime.now(ZoneOffset.UTC))
                + "-" + HexFormat.of().formatHex(random);
    }
}
