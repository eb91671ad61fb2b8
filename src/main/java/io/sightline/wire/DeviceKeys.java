package io.sightline.wire;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The key scheme. The receiver holds one master key; each device holds only its own device key,
 * {@code HMAC-SHA256(master, "sightline-device:" + deviceId)}, so a device cannot speak for another. From a
 * device key come its datagram MAC key and its HTTP bearer token, each by HMAC with a fixed label. Keys are
 * base64 strings of at least 32 bytes. Print a device's key with
 * {@code SIGHTLINE_SECURITY_MASTER_KEY=... java -cp target/sightline.jar io.sightline.wire.DeviceKeys <device>}.
 */
public final class DeviceKeys {

    public static final int MIN_BYTES = 32;

    private DeviceKeys() {
    }

    public static byte[] parse(String what, String base64) {
        byte[] key;
        try {
            key = Base64.getDecoder().decode(base64.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(what + " is not base64");
        }
        if (key.length < MIN_BYTES) {
            throw new IllegalArgumentException(what + " must be at least " + MIN_BYTES + " bytes");
        }
        return key;
    }

    public static String random() {
        byte[] key = new byte[MIN_BYTES];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    public static byte[] deviceKey(byte[] master, String device) {
        return hmac(master, ("sightline-device:" + device).getBytes(StandardCharsets.UTF_8));
    }

    /** The key that signs the device's datagrams. */
    public static byte[] datagramKey(byte[] deviceKey) {
        return hmac(deviceKey, "sightline-datagram".getBytes(StandardCharsets.US_ASCII));
    }

    /** The key that signs operator commands to the device (a different label: no datagram can pass as one). */
    public static byte[] commandKey(byte[] deviceKey) {
        return hmac(deviceKey, "sightline-command".getBytes(StandardCharsets.US_ASCII));
    }

    /** The bearer token the device presents on HTTP: {@code <device>.<base64url HMAC(deviceKey, label)>}. */
    public static String httpToken(String device, byte[] deviceKey) {
        return device + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(hmac(deviceKey, "sightline-http".getBytes(StandardCharsets.US_ASCII)));
    }

    public static byte[] hmac(byte[] key, byte[] data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** Constant-time comparison: a mismatch takes as long wherever it is. */
    public static boolean same(byte[] a, byte[] b) {
        return MessageDigest.isEqual(a, b);
    }

    public static void main(String[] args) {
        String master = System.getenv("SIGHTLINE_SECURITY_MASTER_KEY");
        if (args.length != 1 || master == null) {
            System.err.println("usage: SIGHTLINE_SECURITY_MASTER_KEY=<base64> java -cp sightline.jar "
                    + DeviceKeys.class.getName() + " <device-id>");
            System.exit(2);
        }
        System.out.println(Base64.getEncoder().encodeToString(deviceKey(parse("master key", master), Ids.require("device", args[0]))));
    }
}
