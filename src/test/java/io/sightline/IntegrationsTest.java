package io.sightline;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.sightline.integrate.WebhookSignature;
import io.sightline.wire.Detection;
import io.sightline.wire.Json;
import org.eclipse.paho.mqttv5.client.IMqttMessageListener;
import org.eclipse.paho.mqttv5.client.MqttClient;
import org.eclipse.paho.mqttv5.client.MqttConnectionOptions;
import org.eclipse.paho.mqttv5.client.persist.MemoryPersistence;
import org.eclipse.paho.mqttv5.common.MqttSubscription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Alerts reach the tools people run: a real Mosquitto broker (started by the test) and a real HTTP server. An
 * alert raised by a frame is published on the events topic with the device's snapshot (a JPEG) and state beside it
 * (retained: a subscriber that comes later gets them), the webhook is POSTed the same event with a signature its
 * receiver can check, tried again after a failed answer; an acknowledgement follows both ways; a broker that goes
 * away is counted, and the receiver stays up.
 */
class IntegrationsTest {

    private static final Path MOSQUITTO = Path.of("/usr/sbin/mosquitto");
    private static final String DEVICE = "yard-cam";
    private static final Detection PERSON = new Detection("person", 0.9, new int[] {40, 30, 100, 150});
    private static final String SECRET = "webhook-secret-for-the-test";
    private static final long T0 = System.currentTimeMillis();

    @TempDir
    Path dir;

    private Process broker;
    private int brokerPort;
    private HttpServer webhook;
    private final List<Delivery> deliveries = new CopyOnWriteArrayList<>();
    private final AtomicInteger webhookAnswers = new AtomicInteger();

    record Delivery(int status, Map<String, List<String>> headers, byte[] body) {
    }

    record Received(String topic, byte[] payload, boolean retained) {
        JsonNode json() throws IOException {
            return Json.MAPPER.readTree(payload);
        }
    }

    @BeforeEach
    void startBrokerAndWebhook() throws Exception {
        assertThat(MOSQUITTO).as("Mosquitto (Debian package mosquitto): bin/setup --tests installs it").isExecutable();
        brokerPort = Harness.freeTcpPort();
        Path conf = dir.resolve("mosquitto.conf");
        Files.writeString(conf, "listener " + brokerPort + " 127.0.0.1\nallow_anonymous true\npersistence false\n");
        broker = new ProcessBuilder(MOSQUITTO.toString(), "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("mosquitto.log").toFile()).start();
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
            try (Socket s = new Socket("127.0.0.1", brokerPort)) {
                return true;
            }
        });
        webhook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        webhook.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            int status = webhookAnswers.getAndIncrement() == 0 ? 503 : 204; // the first delivery fails
            deliveries.add(new Delivery(status, Map.copyOf(exchange.getRequestHeaders()), body));
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        webhook.start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (webhook != null) {
            webhook.stop(0);
        }
        if (broker != null) {
            broker.destroy();
            broker.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void anAlertReachesMqttAndTheWebhookSignedAndItsAcknowledgementFollows() throws Exception {
        Map<String, String> receiver = Harness.receiver(dir.resolve("rx"));
        receiver.put("sightline.alerts.labels", "person");
        receiver.put("sightline.mqtt.enabled", "true");
        receiver.put("sightline.mqtt.broker-url", "tcp://127.0.0.1:" + brokerPort);
        receiver.put("sightline.mqtt.state-interval-s", "1");
        receiver.put("sightline.webhook.enabled", "true");
        receiver.put("sightline.webhook.url", "http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook");
        receiver.put("sightline.webhook.secret", SECRET);
        receiver.put("sightline.integrations.retries", "2");
        byte[] jpeg = Harness.syntheticJpeg(320, 240, 80);

        List<Received> received = new CopyOnWriteArrayList<>();
        MqttClient subscriber = subscriber("early", received);
        try (Sightline rx = Sightline.start(receiver)) {
            frame(receiver, 10, jpeg, List.of(PERSON));

            // MQTT: the event, the device's snapshot and its state
            await().atMost(Duration.ofSeconds(20)).until(() -> first(received, "sightline/events") != null);
            JsonNode raised = first(received, "sightline/events").json();
            assertThat(raised.path("type").asText()).isEqualTo("raised");
            assertThat(raised.path("alert").path("device").asText()).isEqualTo(DEVICE);
            assertThat(raised.path("alert").path("frame").asLong()).isEqualTo(10);
            assertThat(raised.path("alert").path("detections").get(0).path("label").asText()).isEqualTo("person");
            String id = raised.path("alert").path("id").asText();
            await().atMost(Duration.ofSeconds(20)).until(() -> first(received, "sightline/" + DEVICE + "/snapshot") != null
                    && first(received, "sightline/" + DEVICE + "/state") != null);
            assertThat(first(received, "sightline/" + DEVICE + "/snapshot").payload()).isEqualTo(jpeg);
            JsonNode state = first(received, "sightline/" + DEVICE + "/state").json();
            assertThat(state.path("device").asText()).isEqualTo(DEVICE);
            assertThat(state.path("framesReceived").asLong()).isEqualTo(1);
            assertThat(new String(first(received, "sightline/available").payload(), StandardCharsets.UTF_8)).isEqualTo("online");

            // the webhook: refused once (503), delivered again, signed over its timestamp and body
            await().atMost(Duration.ofSeconds(20)).until(() -> deliveries.size() >= 2);
            Delivery refused = deliveries.get(0);
            Delivery delivered = deliveries.get(1);
            assertThat(refused.status()).isEqualTo(503);
            assertThat(delivered.status()).isEqualTo(204);
            assertThat(delivered.body()).isEqualTo(refused.body());
            JsonNode hooked = Json.MAPPER.readTree(delivered.body());
            assertThat(hooked.path("type").asText()).as(new String(delivered.body(), StandardCharsets.UTF_8)).isEqualTo("raised");
            assertThat(hooked.path("alert").path("id").asText()).isEqualTo(id);
            assertThat(header(delivered, "Content-Type")).startsWith("application/json");
            String timestamp = header(delivered, WebhookSignature.TIMESTAMP);
            assertThat(header(delivered, WebhookSignature.SIGNATURE))
                    .isEqualTo("sha256=" + new WebhookSignature(SECRET).signature(timestamp, delivered.body()))
                    .isNotEqualTo("sha256=" + new WebhookSignature("another secret").signature(timestamp, delivered.body()));
            assertThat(header(delivered, "Authorization")).as("the request's own headers only").isNull();

            // an acknowledgement goes out both ways
            HttpResponse<String> ack = Harness.HTTP.send(Harness.operator(Harness.base(receiver) + "/api/v1/alerts/" + id + "/ack")
                    .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(ack.statusCode()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(20)).until(() -> events(received).contains("acknowledged")
                    && deliveries.stream().anyMatch(d -> new String(d.body(), StandardCharsets.UTF_8).contains("\"acknowledged\"")));

            // retained: a subscriber that comes now is given the snapshot, the state and the availability at once
            List<Received> late = new CopyOnWriteArrayList<>();
            MqttClient lateSubscriber = subscriber("late", late);
            try {
                await().atMost(Duration.ofSeconds(10)).until(() -> late.stream().filter(Received::retained).map(Received::topic)
                        .toList().containsAll(List.of("sightline/available", "sightline/" + DEVICE + "/state",
                                "sightline/" + DEVICE + "/snapshot")));
                BufferedImage snapshot = ImageIO.read(new ByteArrayInputStream(first(late, "sightline/" + DEVICE + "/snapshot").payload()));
                assertThat(snapshot.getWidth()).isEqualTo(320);
                assertThat(late).noneMatch(r -> r.topic().equals("sightline/events")); // events are not retained
            } finally {
                lateSubscriber.disconnect();
                lateSubscriber.close();
            }

            // the broker goes away: what cannot be published is counted after its retries; the receiver answers on
            broker.destroy();
            broker.waitFor(10, TimeUnit.SECONDS);
            frame(receiver, 2_000, jpeg, List.of(PERSON)); // a second event, past the cooldown
            await().atMost(Duration.ofSeconds(30)).until(() -> failures(receiver, "mqtt-alerts") >= 1);
            await().atMost(Duration.ofSeconds(20)).until(() -> deliveries.stream()
                    .anyMatch(d -> new String(d.body(), StandardCharsets.UTF_8).contains("\"frame\":2000")));
            assertThat(failures(receiver, "webhook-alerts")).isZero();
            assertThat(Harness.HTTP.send(Harness.operator(Harness.base(receiver) + "/api/v1/devices").build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        } finally {
            if (subscriber.isConnected()) {
                subscriber.disconnect();
            }
            subscriber.close();
        }
    }

    @Test
    void aWebhookWithoutItsSecretStopsTheStartWithTheReason() throws Exception {
        Map<String, String> receiver = Harness.receiver(dir.resolve("rx"));
        receiver.put("sightline.webhook.enabled", "true");
        receiver.put("sightline.webhook.url", "http://127.0.0.1:" + webhook.getAddress().getPort() + "/hook");
        assertThatThrownBy(() -> Sightline.start(receiver).close())
                .hasStackTraceContaining("sightline.webhook.enabled=true needs SIGHTLINE_WEBHOOK_SECRET");
    }

    private MqttClient subscriber(String name, List<Received> into) throws Exception {
        MqttClient client = new MqttClient("tcp://127.0.0.1:" + brokerPort, "test-" + name, new MemoryPersistence());
        MqttConnectionOptions options = new MqttConnectionOptions();
        options.setCleanStart(true);
        client.connect(options);
        // (the client's subscribe(topic, qos, listener) calls itself until the stack overflows, in 1.2.5)
        client.subscribe(new MqttSubscription[] {new MqttSubscription("sightline/#", 1)}, new IMqttMessageListener[] {
                (topic, message) -> into.add(new Received(topic, message.getPayload(), message.isRetained()))});
        return client;
    }

    private static Received first(List<Received> received, String topic) {
        return received.stream().filter(r -> r.topic().equals(topic)).findFirst().orElse(null);
    }

    private static List<String> events(List<Received> received) {
        return received.stream().filter(r -> r.topic().equals("sightline/events")).map(r -> {
            try {
                return r.json().path("type").asText();
            } catch (IOException e) {
                return "unreadable";
            }
        }).toList();
    }

    private static double failures(Map<String, String> receiver, String route) throws Exception {
        return MonitoringTest.scrape(receiver).entrySet().stream()
                .filter(e -> e.getKey().startsWith("sightline_integration_failures_total{") && e.getKey().contains("route=\"" + route + "\""))
                .mapToDouble(Map.Entry::getValue).sum();
    }

    private static String header(Delivery d, String name) {
        return d.headers().entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                .map(e -> e.getValue().get(0)).findFirst().orElse(null);
    }

    private static void frame(Map<String, String> receiver, long frame, byte[] jpeg, List<Detection> detections) throws Exception {
        Map<String, String> headers = Harness.frameHeaders(DEVICE, "s1", frame, T0 + frame * 50, "seg-" + frame, false);
        headers.put("Sightline-Detections", Json.text(detections));
        HttpResponse<String> response = Harness.post(Harness.base(receiver) + "/api/v1/frames", headers, jpeg);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    }
}
