package io.sightline.wire;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * The receiver's master keys: the current one and, during a rotation, the previous one until the end of its
 * overlap, so devices can be re-keyed one at a time (docs/security.md). A device proves itself under either; the
 * key it last proved itself with is the one commands to it are signed under, since that is the key it holds.
 */
public final class MasterKeys {

    /** Which master key a device's credentials were derived from. */
    public enum Generation { CURRENT, PREVIOUS }

    /** A device key that may be tried, with the master key it comes from. */
    public record Candidate(Generation generation, byte[] deviceKey) {
    }

    private final byte[] current;
    private final byte[] previous;
    private final long previousUntilMillis;
    private final LongSupplier clock;
    private final Map<String, Generation> lastProven = new ConcurrentHashMap<>();

    /**
     * @param previous null when no rotation is under way
     * @param previousUntil end of the overlap: from then on the previous key is refused
     */
    public MasterKeys(byte[] current, byte[] previous, Instant previousUntil, LongSupplier clock) {
        if (previous != null && previousUntil == null) {
            throw new IllegalArgumentException("a previous master key needs the end of its overlap "
                    + "(sightline.security.previous-master-key-until)");
        }
        this.current = current.clone();
        this.previous = previous == null ? null : previous.clone();
        this.previousUntilMillis = previousUntil == null ? Long.MIN_VALUE : previousUntil.toEpochMilli();
        this.clock = clock;
    }

    /** Only the current key, no rotation. */
    public static MasterKeys of(byte[] current) {
        return new MasterKeys(current, null, null, System::currentTimeMillis);
    }

    /** Whether the previous key is still accepted now. */
    public boolean previousAccepted() {
        return previous != null && clock.getAsLong() < previousUntilMillis;
    }

    /** The device keys of {@code device} to try, current first; the previous one only while its overlap lasts. */
    public List<Candidate> candidates(String device) {
        List<Candidate> keys = new ArrayList<>(2);
        keys.add(new Candidate(Generation.CURRENT, DeviceKeys.deviceKey(current, device)));
        if (previousAccepted()) {
            keys.add(new Candidate(Generation.PREVIOUS, DeviceKeys.deviceKey(previous, device)));
        }
        return keys;
    }

    /** Notes which key {@code device} proved itself with. */
    public void proven(String device, Generation generation) {
        lastProven.put(device, generation);
    }

    /** The device key {@code device} holds, as far as its last proof tells: the one to sign commands to it with. */
    public byte[] deviceKey(String device) {
        boolean previousHeld = lastProven.get(device) == Generation.PREVIOUS && previousAccepted();
        return DeviceKeys.deviceKey(previousHeld ? previous : current, device);
    }

    /**
     * A key of the receiver's own for {@code purpose} (e.g. signing operator sessions), made from the current master
     * key: every node with the master key makes the same one, and a new master key replaces it.
     */
    public byte[] derive(String purpose) {
        return DeviceKeys.hmac(current, ("sightline-" + purpose).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    }
}
