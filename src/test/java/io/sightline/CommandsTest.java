package io.sightline;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.command.CommandDatagram;
import io.sightline.wire.DatagramCodec;
import io.sightline.wire.DetectionDatagram;
import io.sightline.wire.DeviceKeys;
import io.sightline.wire.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * WAIT / RESUME from the API to a real sender and back; retries and 504 against a device peer written here that
 * speaks the datagram protocol; and the sender's checks on commands that are forged, stale or replayed.
 */
class CommandsTest {

    @TempDir
    Path dir;

    @Test
    void waitStopsFramesAndResumeRestoresThem() throws Exception {
        Map<String, String> receiver = Harness.receiver(dir);
        Map<String, String> sender = Harness.sender(receiver, "cmd-cam", "synthetic");
        sender.put("sightline.detector", "none");
        try (Sightline r = Sightline.start(receiver); Sightline s = Sightline.start(sender)) {
            await().atMost(Duration.ofSeconds(30)).until(() -> framesReceived(receiver) > 20);
            assertThat(device(receiver).path("state").asText()).isEqualTo("STREAMING");

            HttpResponse<String> wait = Harness.command(receiver, "cmd-cam", "WAIT");
            assertThat(wait.statusCode()).isEqualTo(200);
            JsonNode ack = Json.MAPPER.readTree(wait.body());
            assertThat(ack.path("acknowledged").asBoolean()).isTrue();
            assertThat(ack.path("state").asText()).isEqualTo("WAITING");
            assertThat(ack.path("attempts").asInt()).isEqualTo(1);
            assertThat(ack.path("rttMillis").asDouble()).isPositive();
            System.out.printf("COMMAND WAIT round trip on loopback: %.2f ms%n", ack.path("rttMillis").asDouble());

            // frames are captured and held, none reaches the receiver; datagrams go on and report the state
            double heldAtStart = held(sender);
            await().atMost(Duration.ofSeconds(10)).until(() -> held(sender) >= heldAtStart + 5);
            long received = framesReceived(receiver);
            await().atMost(Duration.ofSeconds(10)).until(() -> held(sender) >= heldAtStart + 30);
            assertThat(framesReceived(receiver)).isEqualTo(received);
            await().atMost(Duration.ofSeconds(5)).until(() -> device(receiver).path("state").asText().equals("WAITING"));
            assertThat(value(sender, "sightline_sender_waiting")).isEqualTo(1.0);

            HttpResponse<String> resume = Harness.command(receiver, "cmd-cam", "RESUME");
            assertThat(resume.statusCode()).isEqualTo(200);
            assertThat(Json.MAPPER.readTree(resume.body()).path("state").asText()).isEqualTo("STREAMING");
            await().atMost(Duration.ofSeconds(10)).until(() -> framesReceived(receiver) >= received + 20);
            assertThat(value(sender, "sightline_sender_waiting")).isEqualTo(0.0);
            assertThat(value(receiver, "sightline_commands_total")).isEqualTo(2.0);
        }
    }

    @Test
    void aLostCommandIsRetriedAndAnUnansweredOneIs504() throws Exception {
        Map<String, String> receiver = Harness.receiver(dir);
        receiver.put("sightline.command.timeout-ms", "300");
        receiver.put("sightline.command.attempts", "3");
        try (Sightline r = Sightline.start(receiver);
             DatagramSocket device = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            device.setSoTimeout(5000);
            DevicePeer peer = new DevicePeer("peer-cam", "s", device, receiver);
            peer.heartbeat();

            // the peer ignores the first copy and acknowledges the second
            CompletableFuture<HttpResponse<String>> firstAnswer = CompletableFuture.supplyAsync(() -> call(receiver, "peer-cam", "WAIT"));
            CompletableFuture<HttpResponse<String>> answer = firstAnswer;
            byte[] first = peer.receiveOrNull();
            assertThat(first).as(() -> "no command came; the API answered " + firstAnswer.join().body()).isNotNull();
            byte[] second = peer.receive();
            assertThat(second).isEqualTo(first); // a retry is the same command: same id, same signature
            CommandDatagram command = Json.MAPPER.readValue(DatagramCodec.split(second)[0], CommandDatagram.class);
            assertThat(command.command()).isEqualTo("WAIT");
            assertThat(command.device()).isEqualTo("peer-cam");
            peer.ack(command.id(), "WAITING", DeviceKeys.datagramKey(DeviceKeys.deviceKey(DeviceKeys.parse("m", Harness.MASTER), "peer-cam")));
            HttpResponse<String> ok = answer.get();
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(Json.MAPPER.readTree(ok.body()).path("attempts").asInt()).isEqualTo(2);

            // an acknowledgement signed with another device's key does not count: 3 copies, then 504
            answer = CompletableFuture.supplyAsync(() -> call(receiver, "peer-cam", "RESUME"));
            List<byte[]> copies = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                copies.add(peer.receive());
            }
            CommandDatagram resume = Json.MAPPER.readValue(DatagramCodec.split(copies.get(0))[0], CommandDatagram.class);
            peer.ack(resume.id(), "STREAMING", Harness.datagramKey("another-cam"));
            HttpResponse<String> timeout = answer.get();
            assertThat(timeout.statusCode()).as(timeout.body()).isEqualTo(504);
            assertThat(Json.MAPPER.readTree(timeout.body()).path("error").asText()).isEqualTo("device-timeout");
            assertThat(timeout.body()).contains("3 attempts");
            device.setSoTimeout(1000);
            assertThat(peer.receiveOrNull()).as("no fourth copy").isNull();

            // unknown device: 404; malformed command: 400
            assertThat(Harness.command(receiver, "nobody", "WAIT").statusCode()).isEqualTo(404);
            assertThat(Harness.command(receiver, "peer-cam", "HOVER").statusCode()).isEqualTo(400);
            assertThat(MonitoringTest.value(MonitoringTest.scrape(receiver), "sightline_commands_total")).isEqualTo(2.0);
        }
    }

    @Test
    void theSenderRejectsForgedStaleAndWrongDeviceCommandsAndAppliesAReplayOnlyOnce() throws Exception {
        Map<String, String> receiver = Harness.receiver(dir);
        Map<String, String> sender = Harness.sender(receiver, "guard-cam", "synthetic");
        sender.put("sightline.detector", "none");
        try (Sightline r = Sightline.start(receiver); Sightline s = Sightline.start(sender);
             DatagramSocket operator = new DatagramSocket()) {
            await().atMost(Duration.ofSeconds(30)).until(() -> framesReceived(receiver) > 5);
            byte[] key = DeviceKeys.commandKey(DeviceKeys.deviceKey(DeviceKeys.parse("m", Harness.MASTER), "guard-cam"));
            byte[] otherKey = DeviceKeys.commandKey(DeviceKeys.deviceKey(DeviceKeys.parse("m", Harness.MASTER), "other-cam"));
            long now = System.currentTimeMillis();
            String run = device(receiver).path("stream").asText();
            int v = CommandDatagram.VERSION;
            send(operator, sender, new CommandDatagram(v, "guard-cam", run, "forged", "WAIT", now).encode(otherKey));
            send(operator, sender, new CommandDatagram(v, "guard-cam", run, "stale", "WAIT", now - 600_000).encode(key));
            send(operator, sender, new CommandDatagram(v, "other-cam", run, "elsewhere", "WAIT", now).encode(key));
            send(operator, sender, new CommandDatagram(v, "guard-cam", "20260101T000000Z-0000", "earlier", "WAIT", now).encode(key));
            send(operator, sender, "WAIT please".getBytes(StandardCharsets.UTF_8));
            await().atMost(Duration.ofSeconds(10)).until(() -> value(sender, "sightline_datagrams_rejected_total") >= 5);
            Map<String, Double> series = MonitoringTest.scrape(sender);
            assertThat(series).containsKeys("sightline_datagrams_rejected_total{reason=\"bad-mac\"}",
                    "sightline_datagrams_rejected_total{reason=\"stale\"}",
                    "sightline_datagrams_rejected_total{reason=\"wrong-device\"}",
                    "sightline_datagrams_rejected_total{reason=\"replayed\"}",
                    "sightline_datagrams_rejected_total{reason=\"unsigned\"}");
            assertThat(value(sender, "sightline_sender_waiting")).isEqualTo(0.0);

            byte[] wait = new CommandDatagram(v, "guard-cam", run, "w1", "WAIT", now).encode(key);
            send(operator, sender, wait);
            await().atMost(Duration.ofSeconds(5)).until(() -> value(sender, "sightline_sender_waiting") == 1.0);
            send(operator, sender, new CommandDatagram(v, "guard-cam", run, "r1", "RESUME", now).encode(key));
            await().atMost(Duration.ofSeconds(5)).until(() -> value(sender, "sightline_sender_waiting") == 0.0);
            double acksBefore = value(sender, "sightline_datagrams_sent_total");
            send(operator, sender, wait); // a replay: acknowledged again, not applied again
            await().atMost(Duration.ofSeconds(5)).until(() -> value(sender, "sightline_datagrams_sent_total") > acksBefore);
            await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(2))
                    .until(() -> value(sender, "sightline_sender_waiting") == 0.0);
        }
    }

    private static HttpResponse<String> call(Map<String, String> receiver, String device, String command) {
        try {
            return Harness.command(receiver, device, command);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static void send(DatagramSocket socket, Map<String, String> sender, byte[] bytes) throws Exception {
        socket.send(new DatagramPacket(bytes, bytes.length, InetAddress.getLoopbackAddress(),
                Integer.parseInt(sender.get("sightline.sender.command-port"))));
    }

    private static JsonNode device(Map<String, String> receiver) throws Exception {
        JsonNode list = Json.MAPPER.readTree(Harness.get(Harness.base(receiver) + "/api/v1/devices").body());
        return list.isEmpty() ? Json.MAPPER.createObjectNode() : list.get(0);
    }

    private static long framesReceived(Map<String, String> receiver) throws Exception {
        return device(receiver).path("framesReceived").asLong();
    }

    private static double held(Map<String, String> sender) throws Exception {
        return value(sender, "sightline_frames_held_total");
    }

    private static double value(Map<String, String> settings, String name) throws Exception {
        return MonitoringTest.value(MonitoringTest.scrape(settings), name);
    }

    @Test
    void aCommandCapturedBeforeASenderRestartIsDroppedAfterIt() throws Exception {
        Map<String, String> receiver = Harness.receiver(dir);
        Map<String, String> sender = Harness.sender(receiver, "restart-cam", "synthetic");
        sender.put("sightline.detector", "none");
        try (Sightline r = Sightline.start(receiver);
             DatagramSocket tap = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
             DatagramSocket attacker = new DatagramSocket()) {
            tap.setSoTimeout(5000);
            byte[] captured;
            try (Sightline s = Sightline.start(sender)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> framesReceived(receiver) > 5);
                // on the path: the tap announces itself as the command address of the sender's current run (its
                // sequence numbers jump ahead, so the receiver ignores the real sender's datagrams from now on) and
                // receives the receiver's next command, genuine and signed, as a listener on the mesh would
                DevicePeer tapped = new DevicePeer("restart-cam", device(receiver).path("stream").asText(), tap, receiver);
                tapped.heartbeat();
                await().atMost(Duration.ofSeconds(10)).until(() -> value(receiver, "sightline_datagrams_rejected_total{reason=\"replayed\"}") > 0);
                CompletableFuture<HttpResponse<String>> answer = CompletableFuture.supplyAsync(() -> call(receiver, "restart-cam", "WAIT"));
                captured = tapped.receive();
                tapped.ack(Json.MAPPER.readValue(DatagramCodec.split(captured)[0], CommandDatagram.class).id(), "WAITING",
                        Harness.datagramKey("restart-cam"));
                assertThat(answer.get().statusCode()).isEqualTo(200);
                send(attacker, sender, captured); // it is valid for this run: the sender applies it
                await().atMost(Duration.ofSeconds(5)).until(() -> value(sender, "sightline_sender_waiting") == 1.0);
            }
            try (Sightline s = Sightline.start(sender)) { // the same device and ports, a new run
                await().atMost(Duration.ofSeconds(30)).until(() -> value(sender, "sightline_frames_acknowledged_total") > 5);
                send(attacker, sender, captured);
                await().atMost(Duration.ofSeconds(10))
                        .until(() -> value(sender, "sightline_datagrams_rejected_total{reason=\"replayed\"}") == 1.0);
                assertThat(value(sender, "sightline_sender_waiting")).as("the replay did not hold the sender").isZero();
                double acknowledged = value(sender, "sightline_frames_acknowledged_total");
                await().atMost(Duration.ofSeconds(10)).until(() -> value(sender, "sightline_frames_acknowledged_total") > acknowledged + 5);
                assertThat(value(sender, "sightline_frames_held_total")).isZero();
            }
        }
    }

    /**
     * A device written here: it announces its command port in a signed heartbeat of {@code stream} and acknowledges
     * on request. Its sequence numbers start far ahead of any real sender's.
     */
    private record DevicePeer(String device, String stream, DatagramSocket socket, Map<String, String> receiver) {

        private static final java.util.concurrent.atomic.AtomicLong SEQ = new java.util.concurrent.atomic.AtomicLong(1L << 40);

        void heartbeat() throws Exception {
            double received = MonitoringTest.value(MonitoringTest.scrape(receiver), "sightline_datagrams_received_total");
            send(new DetectionDatagram(1, DetectionDatagram.HEARTBEAT, device, stream, SEQ.getAndIncrement(), 0,
                    System.currentTimeMillis(), List.of(), 0, 0, "STREAMING", socket.getLocalPort(), null, null), Harness.datagramKey(device));
            await().atMost(Duration.ofSeconds(5)).until(() ->
                    MonitoringTest.value(MonitoringTest.scrape(receiver), "sightline_datagrams_received_total") > received);
        }

        void ack(String id, String state, byte[] key) throws Exception {
            send(new DetectionDatagram(1, DetectionDatagram.ACK, device, stream, SEQ.getAndIncrement(), 0,
                    System.currentTimeMillis(), List.of(), 0, 0, state, socket.getLocalPort(), id, null), key);
        }

        private void send(DetectionDatagram d, byte[] key) throws Exception {
            byte[] bytes = DatagramCodec.encode(d, key);
            socket.send(new DatagramPacket(bytes, bytes.length, InetAddress.getLoopbackAddress(),
                    Integer.parseInt(receiver.get("sightline.receiver.udp-port"))));
        }

        byte[] receive() throws Exception {
            DatagramPacket packet = new DatagramPacket(new byte[2048], 2048);
            socket.receive(packet);
            return Arrays.copyOf(packet.getData(), packet.getLength());
        }

        byte[] receiveOrNull() throws Exception {
            try {
                return receive();
            } catch (SocketTimeoutException e) {
                return null;
            }
        }
    }
}
