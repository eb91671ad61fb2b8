package io.sightline.command;

import io.sightline.wire.DatagramCodec;
import io.sightline.wire.DetectionDatagrams;
import io.sightline.wire.DeviceKeys;
import io.sightline.wire.InvalidInputException;

import java.util.LinkedHashSet;
import java.util.Iterator;
import java.util.function.LongSupplier;

/**
 * Step of the sender's {@code commands-in} route: accepts a command only if it is signed with this device's
 * command key, addressed to this device and to this run of it (the stream id, new at each start: a command
 * captured before a restart is dropped as {@code replayed}), and issued within {@code maxSkewMillis}; applies it
 * once per id and answers every copy with a signed acknowledgement datagram (a retry means the first
 * acknowledgement was lost). A rejected command is an {@link InvalidInputException} whose error is the drop reason.
 */
public class SenderCommands {

    private static final int REMEMBERED_IDS = 1024;

    private final String device;
    private final String stream;
    private final byte[] commandKey;
    private final long maxSkewMillis;
    private final LongSupplier clock;
    private final SenderState state;
    private final DetectionDatagrams datagrams;
    private final LinkedHashSet<String> applied = new LinkedHashSet<>();

    public SenderCommands(String device, String stream, byte[] deviceKey, long maxSkewMillis, LongSupplier clock, SenderState state,
                          DetectionDatagrams datagrams) {
        this.device = device;
        this.stream = stream;
        this.commandKey = DeviceKeys.commandKey(deviceKey);
        this.maxSkewMillis = maxSkewMillis;
        this.clock = clock;
        this.state = state;
        this.datagrams = datagrams;
    }

    /** @return the signed acknowledgement to send to the receiver */
    public byte[] apply(byte[] raw) {
        byte[][] parts = DatagramCodec.split(raw);
        CommandDatagram command = CommandDatagram.parse(parts[0]);
        if (!DeviceKeys.same(DeviceKeys.hmac(commandKey, parts[0]), parts[1])) {
            throw new InvalidInputException(401, "bad-mac", "the command's MAC does not match this device's key");
        }
        if (!device.equals(command.device())) {
            throw new InvalidInputException(400, "wrong-device", "command for " + command.device() + ", this is " + device);
        }
        if (!stream.equals(command.stream())) {
            throw new InvalidInputException(400, "replayed", "command for run " + command.stream()
                    + " of this sender, which is now " + stream + " (sent before a restart)");
        }
        if (Math.abs(clock.getAsLong() - command.t()) > maxSkewMillis) {
            throw new InvalidInputException(400, "stale", "command issued more than " + maxSkewMillis + " ms from now");
        }
        if (firstTime(command.id())) {
            state.apply(command.command());
        }
        return datagrams.ack(command.id());
    }

    private synchronized boolean firstTime(String id) {
        if (!applied.add(id)) {
            return false;
        }
        if (applied.size() > REMEMBERED_IDS) {
            Iterator<String> oldest = applied.iterator();
            oldest.next();
            oldest.remove();
        }
        return true;
    }
}
