package io.sightline.command;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.sightline.wire.DatagramCodec;
import io.sightline.wire.Ids;
import io.sightline.wire.InvalidInputException;
import io.sightline.wire.Json;

import java.io.IOException;

/**
 * An operator command from the receiver to a sender's command port: {@code command} is {@value #WAIT} or
 * {@value #RESUME}, {@code id} identifies it (a retry carries the same id, so the sender applies it once and
 * acknowledges every copy), {@code stream} is the stream id of the sender's run it is meant for (new at each
 * start, so a command captured before a restart is void after it), {@code t} is when it was issued. Signed like a
 * datagram, under the device's command key ({@link io.sightline.wire.DeviceKeys#commandKey}).
 */
public record CommandDatagram(int v, String device, String stream, String id, String command, long t) {

    /** Version 2 added {@code stream}: a version 1 command could be replayed into a restarted sender. */
    public static final int VERSION = 2;

    public static final String WAIT = "WAIT";
    public static final String RESUME = "RESUME";

    public static boolean isCommand(String command) {
        return WAIT.equals(command) || RESUME.equals(command);
    }

    public byte[] encode(byte[] commandKey) {
        return DatagramCodec.sign(Json.bytes(this), commandKey);
    }

    /** Parses the JSON part of a received command; anything wrong is an {@link InvalidInputException}. */
    static CommandDatagram parse(byte[] json) {
        CommandDatagram c;
        try {
            c = Json.MAPPER.readValue(json, CommandDatagram.class);
        } catch (JsonProcessingException e) {
            throw new InvalidInputException(400, "malformed", "not a command: " + e.getOriginalMessage());
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidInputException(400, "malformed", "not a command");
        }
        if (c == null || c.v() != VERSION) {
            throw new InvalidInputException(400, "version", "unsupported command version");
        }
        if (!Ids.isValid(c.device()) || !Ids.isValid(c.stream()) || !Ids.isValid(c.id()) || !isCommand(c.command())) {
            throw new InvalidInputException(400, "malformed", "invalid device, stream, id or command");
        }
        return c;
    }
}
