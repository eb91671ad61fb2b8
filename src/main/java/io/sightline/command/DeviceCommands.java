package io.sightline.command;

import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.DetectionDatagram;
import io.sightline.wire.DeviceKeys;
import io.sightline.wire.Ids;
import io.sightline.wire.InvalidInputException;
import io.sightline.wire.MasterKeys;
import org.apache.camel.Body;
import org.apache.camel.Header;
import org.apache.camel.component.netty.NettyConstants;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The receiver's side of operator commands. It learns from each device's datagrams where the device takes
 * commands (the datagram's source address and the {@code commandPort} it announces), which run of the sender
 * is there (the stream id, new at each start: a command names it, so it is void after a restart) and in which
 * state it is;
 * signs a command for the {@code send-command} route, which sends it and waits for the acknowledgement a few
 * times; and keeps the automatic RESUME that follows an alert's automatic WAIT, unless an operator acts first.
 */
public class DeviceCommands {

    /** A command to send: from an operator, or from an alert rule. */
    public record Request(String device, String command, String origin) {
    }

    private record Device(InetSocketAddress commands, String stream, String state) {
    }

    /**
     * A command on its way: the signed datagram and where the device takes it (what the {@code send-command}
     * route sends), and what came back; the acknowledgement completes it from the datagram thread.
     */
    public static final class Pending {
        final String id = UUID.randomUUID().toString();
        final Request request;
        final List<Long> sentAt = new ArrayList<>();
        private byte[] datagram;
        private String host;
        private int port;
        long ackedAt;
        String state;

        Pending(Request request) {
            this.request = request;
        }

        public byte[] getDatagram() {
            return datagram;
        }

        public String getHost() {
            return host;
        }

        public int getPort() {
            return port;
        }

        synchronized void acknowledged(long at, String newState) {
            if (ackedAt == 0) {
                ackedAt = at;
                state = newState;
                notifyAll();
            }
        }
    }

    private final MasterKeys masterKeys;
    private final int attempts;
    private final long ackTimeoutMillis;
    private final long autoResumeMillis;
    private final SightlineMetrics metrics;
    private final Map<String, Device> devices = new ConcurrentHashMap<>();
    private final Map<String, Pending> pending = new ConcurrentHashMap<>();
    private final Map<String, Long> autoResumeAt = new ConcurrentHashMap<>();

    public DeviceCommands(MasterKeys masterKeys, int attempts, long ackTimeoutMillis, long autoResumeMillis,
                          SightlineMetrics metrics) {
        this.masterKeys = masterKeys;
        this.attempts = attempts;
        this.ackTimeoutMillis = ackTimeoutMillis;
        this.autoResumeMillis = autoResumeMillis;
        this.metrics = metrics;
    }

    /** Step of {@code detections-in}, after the datagram is authenticated. */
    public void track(@Body DetectionDatagram datagram, @Header(NettyConstants.NETTY_REMOTE_ADDRESS) SocketAddress from) {
        if (datagram.commandPort() != null && from instanceof InetSocketAddress source) {
            devices.put(datagram.device(), new Device(new InetSocketAddress(source.getAddress(), datagram.commandPort()),
                    datagram.stream(), datagram.state()));
        }
        if (DetectionDatagram.ACK.equals(datagram.type())) {
            Pending p = pending.get(datagram.ack());
            if (p != null && p.request.device().equals(datagram.device())) {
                p.acknowledged(System.nanoTime(), datagram.state());
            }
        }
    }

    /**
     * Step of a console on the Kafka bus: a datagram an ingest node received from {@code host} (its
     * {@code Sightline-Source} header), tracked as if it had come here.
     */
    public void trackRelayed(@Body DetectionDatagram datagram, @Header("Sightline-Source") String host) {
        track(datagram, host == null ? null : new InetSocketAddress(host, 0));
    }

    /** The device's state from its last datagram: STREAMING, WAITING, or null when it never said. */
    public String state(String device) {
        Device d = devices.get(device);
        return d == null ? null : d.state();
    }

    /**
     * {@code POST /api/v1/devices/{id}/commands} with {@code {"command": "WAIT" | "RESUME"}} (read by the REST binding),
     * by the operator {@code by}.
     */
    public Request fromRequest(String device, CommandRequest body, String by) {
        Ids.require("device", device);
        String command = body == null ? null : body.command();
        if (!CommandDatagram.isCommand(command)) {
            throw new InvalidInputException(400, "invalid-command", "the body must be {\"command\": \"WAIT\" | \"RESUME\"}");
        }
        autoResumeAt.remove(device); // an operator acted: no automatic RESUME any more
        return new Request(device, command, by);
    }

    /** An alert rule holds the device; RESUME follows after the auto-resume time unless an operator acts. */
    public Request autoWait(@Header("device") String device) {
        autoResumeAt.put(device, System.currentTimeMillis() + autoResumeMillis);
        return new Request(device, CommandDatagram.WAIT, "alert");
    }

    /** Step of the {@code auto-resume} timer route: the devices whose automatic RESUME is due. */
    public List<Request> dueResumes() {
        long now = System.currentTimeMillis();
        List<Request> due = new ArrayList<>();
        autoResumeAt.forEach((device, at) -> {
            if (at <= now && autoResumeAt.remove(device, at)) {
                due.add(new Request(device, CommandDatagram.RESUME, "auto-resume"));
            }
        });
        return due;
    }

    /**
     * First step of {@code send-command}: the command signed for the device's current run, with where the device
     * takes commands (the route keeps it in a property: the UDP producer does not keep headers between copies).
     */
    public Pending sign(@Body Request request) {
        Device d = devices.get(request.device());
        if (d == null) {
            throw new InvalidInputException(404, "unknown-device",
                    "device " + request.device() + " has not announced a command port (no datagram from it yet)");
        }
        Pending p = new Pending(request);
        byte[] key = DeviceKeys.commandKey(masterKeys.deviceKey(request.device()));
        p.datagram = new CommandDatagram(CommandDatagram.VERSION, request.device(), d.stream(), p.id, request.command(),
                System.currentTimeMillis()).encode(key);
        p.host = d.commands().getAddress().getHostAddress();
        p.port = d.commands().getPort();
        pending.put(p.id, p);
        return p;
    }

    /** Loop condition of {@code send-command}: no acknowledgement yet, and fewer copies sent than allowed. */
    public boolean unanswered(Pending p) {
        synchronized (p) {
            return p.ackedAt == 0 && p.sentAt.size() < attempts;
        }
    }

    /** Step of the send loop, as a copy goes out: its send time, for the round trip. */
    public void sending(Pending p) {
        synchronized (p) {
            p.sentAt.add(System.nanoTime());
        }
    }

    /** Step of the send loop, right after a copy went out: waits for the acknowledgement up to the timeout. */
    public void awaitAck(Pending p) throws InterruptedException {
        synchronized (p) {
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ackTimeoutMillis);
            for (long left = ackTimeoutMillis; p.ackedAt == 0 && left > 0;
                 left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())) {
                p.wait(left);
            }
        }
    }

    /** Last step of {@code send-command}: the acknowledgement and its round trip, or 504 when none came. */
    public Map<String, Object> result(Pending p) {
        pending.remove(p.id);
        Request r = p.request;
        synchronized (p) {
            if (p.ackedAt == 0) {
                metrics.counter("commands", "device", r.device(), "command", r.command(), "outcome", "timeout").increment();
                throw new InvalidInputException(504, "device-timeout", "device " + r.device() + " did not acknowledge "
                        + r.command() + " after " + p.sentAt.size() + " attempts of " + ackTimeoutMillis + " ms");
            }
            // round trip of the copy that was answered: the last one sent before the acknowledgement came
            long sent = p.sentAt.stream().filter(t -> t <= p.ackedAt).reduce((a, b) -> b).orElse(p.sentAt.get(0));
            long rttNanos = p.ackedAt - sent;
            metrics.counter("commands", "device", r.device(), "command", r.command(), "outcome", "acknowledged").increment();
            metrics.timer("command.rtt", "device", r.device()).record(rttNanos, TimeUnit.NANOSECONDS);
            devices.computeIfPresent(r.device(), (k, d) -> new Device(d.commands(), d.stream(), p.state));
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("device", r.device());
            answer.put("command", r.command());
            answer.put("id", p.id);
            answer.put("origin", r.origin());
            answer.put("acknowledged", true);
            answer.put("state", p.state);
            answer.put("attempts", p.sentAt.size());
            answer.put("rttMillis", rttNanos / 1e6);
            return answer;
        }
    }
}
