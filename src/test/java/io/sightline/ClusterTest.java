package io.sightline;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.faults.ServiceAddress;
import kafka.testkit.KafkaClusterTestKit;
import kafka.testkit.TestKitNodes;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Sightline as a cluster on Kafka (sightline.bus=kafka): an in-process KRaft cluster of three brokers (replication
 * factor 3, min.insync.replicas 2), ingest and segment-writer nodes as processes of their own (so they can be
 * killed with SIGKILL), simulated cameras posting through one Service address in front of the ingest nodes.
 * Every scenario ends by checking that every frame captured is in the segments exactly once, and so every frame
 * acknowledged. Figures are printed as "FIGURE ..." lines for docs/cluster.md.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTest {

    private static KafkaClusterTestKit kafka;
    private static final byte[] JPEG = Harness.syntheticJpeg(320, 240, 80);
    /**
     * Four to five node JVMs and three brokers share two cores here: the nodes compile with C1 only (C2's compile
     * time does not pay back within a scenario of a minute) and collect with one thread.
     */
    private static final List<String> NODE_JVM = List.of("-XX:TieredStopAtLevel=1", "-XX:ReservedCodeCacheSize=256m", "-XX:+UseSerialGC", "-Xmx384m");

    @TempDir
    Path dir;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                .setCombined(false).setNumControllerNodes(1).setNumBrokerNodes(3).build())
                .setConfigProp("offsets.topic.replication.factor", "3")
                .setConfigProp("min.insync.replicas", "2")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .build();
        kafka.format();
        kafka.startup();
        kafka.waitForReadyBrokers();
    }

    @AfterAll
    static void stopKafka() throws Exception {
        if (kafka != null) {
            kafka.close();
        }
    }

    /** A cluster's nodes: each its own process and data directory, all sharing the segment store. */
    private final class Cluster implements AutoCloseable {
        final String name;
        final Path segments;
        final List<SightlineProcess> processes = new ArrayList<>();

        Cluster(String name) {
            this.name = name;
            this.segments = dir.resolve("shared");
        }

        Map<String, String> settings(String role, String node) throws Exception {
            Map<String, String> s = Harness.receiver(dir.resolve(node));
            s.put("sightline.role", role);
            s.put("sightline.bus", "kafka");
            s.put("sightline.kafka.brokers", kafka.bootstrapServers());
            s.put("sightline.kafka.node", node);
            // each scenario its own topics and groups on the one Kafka cluster
            s.put("sightline.kafka.frames-topic", name + ".frames");
            s.put("sightline.kafka.detections-topic", name + ".detections");
            s.put("sightline.kafka.alerts-topic", name + ".alerts");
            s.put("sightline.kafka.segments-group", name + "-segments");
            s.put("sightline.kafka.alerts-group", name + "-alerts");
            s.put("sightline.kafka.partitions", "6");
            s.put("sightline.kafka.session-timeout-ms", "6000");
            s.put("sightline.segments-dir", segments.resolve("segments").toString());
            s.put("sightline.segment.idle-timeout-ms", "3000");
            // each part gets the secrets its pods get in k8s/overlays/cluster, no more
            if (!role.contains("ingest") && !role.contains("console")) {
                s.remove("sightline.security.master-key");
            }
            if (!role.contains("console")) {
                s.remove("sightline.operator-token");
            }
            return s;
        }

        final List<String> nodes = new ArrayList<>();
        final List<Map<String, String>> started = new ArrayList<>();

        Map<String, String> start(String role, String node) throws Exception {
            return startWith(settings(role, node), node);
        }

        Map<String, String> startWith(Map<String, String> s, String node) throws Exception {
            nodes.add(node);
            started.add(s);
            try {
                processes.add(new SightlineProcess(s, dir.resolve(node + ".log"), NODE_JVM));
            } catch (Exception | AssertionError e) {
                close();
                throw e;
            }
            return s;
        }

        SightlineProcess process(int i) {
            return processes.get(i);
        }

        @Override
        public void close() throws Exception {
            for (SightlineProcess p : processes) {
                p.close();
            }
            for (String node : nodes) { // kept for a failure's post-mortem, as target/cluster-<scenario>-<node>.log
                Files.copy(dir.resolve(node + ".log"), Path.of("target", "cluster-" + name + "-" + node + ".log"),
                        java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    private static int port(Map<String, String> node, String key) {
        return Integer.parseInt(node.get(key));
    }

    private static ServiceAddress service(List<Map<String, String>> ingest) throws Exception {
        return new ServiceAddress(ingest.stream().map(n -> port(n, "sightline.receiver.http-port")).toList(),
                ingest.stream().map(n -> port(n, "sightline.receiver.udp-port")).toList());
    }

    /** Every frame captured by every camera is in exactly one segment (so is every frame acknowledged). */
    private static void assertEveryFrameOnce(Path shared, CameraLoad load) throws Exception {
        for (String device : load.devices()) {
            List<Long> frames = Segments.framesByStream(shared, device).getOrDefault(load.stream(), List.of());
            List<Long> sorted = new ArrayList<>(frames);
            sorted.sort(null);
            assertThat(new HashSet<>(sorted)).as("no duplicates of " + device).hasSameSizeAs(sorted);
            assertThat(sorted).as("frames of " + device)
                    .isEqualTo(LongStream.range(0, load.captured(device)).boxed().toList());
            assertThat(sorted).as("acknowledged frames of " + device).containsAll(load.acknowledged(device));
        }
    }

    private static long framesInSegments(Path shared, CameraLoad load) throws Exception {
        long n = 0;
        for (String device : load.devices()) {
            n += Segments.framesByStream(shared, device).getOrDefault(load.stream(), List.of()).size();
        }
        return n;
    }

    /** Stops capturing, waits for every frame to be acknowledged and written, and checks each is there once. */
    private static void drainAndCheck(Path shared, CameraLoad load, String scenario) throws Exception {
        load.stopCapture();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250)).until(load::allAcknowledged);
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .until(() -> framesInSegments(shared, load) >= load.capturedTotal());
        assertEveryFrameOnce(shared, load);
        System.out.printf("FIGURE %s: %d frames captured, %d acknowledged, %d in segments, 0 duplicates, 0 lost;"
                        + " acknowledged after p50 %d ms, p99 %d ms; %d retries by the cameras %s%n", scenario,
                load.capturedTotal(), load.acknowledgedTotal(), framesInSegments(shared, load), load.ackPercentile(50),
                load.ackPercentile(99), load.retries(), load.retryReasons());
    }

    @Test
    @Order(1)
    void twoIngestAndTwoSegmentWritersTakeTwentyCamerasEachFrameOnce() throws Exception {
        try (Cluster cluster = new Cluster("steady")) {
            Map<String, String> ingestA = cluster.start("ingest", "ingest-a");
            Map<String, String> ingestB = cluster.start("ingest", "ingest-b");
            cluster.start("segments", "segments-a");
            cluster.start("segments", "segments-b");
            try (ServiceAddress service = service(List.of(ingestA, ingestB));
                 CameraLoad load = new CameraLoad("http://127.0.0.1:" + service.httpPort(), "cam", 20, 10, 20, JPEG)) {
                load.start();
                long seconds = Long.getLong("sightline.test.cluster-seconds", 60);
                await().atMost(Duration.ofSeconds(seconds + 30)).until(() -> load.capturedTotal() >= 20L * 10 * seconds);
                drainAndCheck(cluster.segments, load, "2 ingest + 2 segment writers, 20 cameras at 10 fps for " + seconds + " s");
                // both writers wrote: the partitions were shared
                assertThat(Files.readString(dir.resolve("segments-a.log"))).contains("Segment ");
                assertThat(Files.readString(dir.resolve("segments-b.log"))).contains("Segment ");
            }
        }
    }

    @Test
    @Order(2)
    void aSegmentWriterKilledMidStreamLosesNothingItsPartitionsMove() throws Exception {
        try (Cluster cluster = new Cluster("writer-kill")) {
            Map<String, String> ingest = cluster.start("ingest", "ingest-a");
            cluster.start("segments", "segments-a");
            cluster.start("segments", "segments-b");
            try (CameraLoad load = new CameraLoad(Harness.base(ingest), "cam", 10, 10, 20, JPEG)) {
                load.start();
                await().atMost(Duration.ofSeconds(60)).until(() -> framesInSegments(cluster.segments, load) >= 400);
                cluster.process(1).kill();
                long killed = System.currentTimeMillis();
                // segments flow again for every camera: each has a segment written after the kill
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
                        load.devices().stream().allMatch(d -> Segments.writtenAfter(cluster.segments, d, killed)));
                long recovered = System.currentTimeMillis() - killed;
                System.out.printf("FIGURE segment writer killed (SIGKILL): every camera's segments flowed again after %.1f s"
                        + " (session timeout 6 s)%n", recovered / 1000.0);
                long capturedAtRecovery = load.capturedTotal();
                await().atMost(Duration.ofSeconds(30)).until(() -> load.capturedTotal() >= capturedAtRecovery + 300);
                drainAndCheck(cluster.segments, load, "segment writer killed mid-stream");
            }
        }
    }


    @Test
    @Order(3)
    void anIngestNodeKilledMidStreamSendersFailOverThroughTheServiceNothingLost() throws Exception {
        try (Cluster cluster = new Cluster("ingest-kill")) {
            Map<String, String> ingestA = cluster.start("ingest", "ingest-a");
            Map<String, String> ingestB = cluster.start("ingest", "ingest-b");
            cluster.start("segments", "segments-a");
            try (ServiceAddress service = service(List.of(ingestA, ingestB));
                 CameraLoad load = new CameraLoad("http://127.0.0.1:" + service.httpPort(), "cam", 10, 10, 20, JPEG)) {
                load.start();
                await().atMost(Duration.ofSeconds(60)).until(() -> load.acknowledgedTotal() >= 300);
                cluster.process(0).kill();
                long killed = System.currentTimeMillis();
                long ackedBefore = load.acknowledgedTotal();
                await().atMost(Duration.ofSeconds(30)).until(() -> load.acknowledgedTotal() >= ackedBefore + 200);
                System.out.printf("FIGURE ingest node killed (SIGKILL): 200 more frames acknowledged through the other"
                        + " after %.1f s%n", (System.currentTimeMillis() - killed) / 1000.0);
                drainAndCheck(cluster.segments, load, "ingest node killed mid-stream");
            }
        }
    }

    @Test
    @Order(4)
    void aReplayAndALiveCopyOfOneFrameThroughTwoIngestNodesAreStoredOnce() throws Exception {
        try (Cluster cluster = new Cluster("same-key")) {
            Map<String, String> ingestA = cluster.start("ingest", "ingest-a");
            Map<String, String> ingestB = cluster.start("ingest", "ingest-b");
            cluster.start("segments", "segments-a");
            String device = "twice-cam";
            for (long frame = 0; frame < 10; frame++) {
                Map<String, String> h = Harness.frameHeaders(device, "s1", frame, 1_790_000_000_000L + frame * 100,
                        "seg-0", frame == 9);
                // the live copy through one node, the spool's replay of the same frame through the other
                assertThat(Harness.post(Harness.base(ingestA) + "/api/v1/frames", h, JPEG).statusCode()).isEqualTo(201);
                assertThat(Harness.post(Harness.base(ingestB) + "/api/v1/frames", h, JPEG).statusCode()).isEqualTo(201);
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> Segments.framesWritten(cluster.segments, device) >= 10);
            // and every copy read from Kafka is in a written segment or released as one already there
            Map<String, String> writer = cluster.started.get(2);
            await().atMost(Duration.ofSeconds(30)).until(() -> MonitoringTest.value(MonitoringTest.scrape(writer),
                    "sightline_kafka_frames_held") == 0 && MonitoringTest.value(MonitoringTest.scrape(writer),
                    "sightline_segments_written_total") >= 1);
            List<Long> frames = Segments.framesByStream(cluster.segments, device).get("s1");
            assertThat(frames).containsExactlyElementsOf(LongStream.range(0, 10).boxed().toList());
            JsonNode sidecar = Segments.read(Segments.sidecars(cluster.segments, device).get(0));
            assertThat(sidecar.get("frameCount").asInt()).isEqualTo(10);
            System.out.println("FIGURE same key through two ingest nodes: 20 posts of 10 frames, 10 in segments, once each");
        }
    }

    @Test
    @Order(5)
    void everyConsoleNodeShowsLiveFramesAndAlertsOnceAndCommandsTheDevice() throws Exception {
        try (Cluster cluster = new Cluster("consoles")) {
            // two nodes, each with a console: one also ingests, the other writes segments
            Map<String, String> first = cluster.settings("ingest,console", "node-1");
            Map<String, String> second = cluster.settings("segments,console", "node-2");
            for (Map<String, String> node : List.of(first, second)) {
                Harness.alertOnEveryMotion(node);
                node.put("sightline.alerts.cooldown-s", "2");
                node.put("sightline.index.reconcile-s", "5"); // segments other nodes wrote reach the index at its next pass
            }
            cluster.startWith(first, "node-1");
            cluster.startWith(second, "node-2");
            Map<String, String> sender = Harness.sender(first, "console-cam", "synthetic");
            sender.put("sightline.capture.fps", "10");
            try (Sightline device = Sightline.start(sender)) {
                // live: both consoles show the device's newest frame (node-2 receives no frame itself)
                for (Map<String, String> node : List.of(first, second)) {
                    await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                            Harness.get(Harness.base(node) + "/api/v1/devices/console-cam/latest.jpg").statusCode() == 200);
                }
                // alerts: the same ones on both consoles, each event once
                await().atMost(Duration.ofSeconds(60)).until(() -> alertIds(first).size() >= 3);
                await().atMost(Duration.ofSeconds(30)).until(() -> alertIds(second).containsAll(alertIds(first))
                        && alertIds(first).containsAll(alertIds(second)));
                List<JsonNode> alerts = alerts(first);
                assertThat(alerts.stream().map(a -> a.get("frame").asLong()).distinct().count()).isEqualTo(alerts.size());
                // one evaluation per detection across the consoles: no two alerts of the device within the cooldown
                List<Long> times = alerts.stream().map(a -> a.get("time").asLong()).sorted().toList();
                for (int i = 1; i < times.size(); i++) {
                    assertThat(times.get(i) - times.get(i - 1)).as("alerts %d ms apart", times.get(i) - times.get(i - 1))
                            .isGreaterThanOrEqualTo(2000);
                }

                // a command through the console that receives nothing from the device: acknowledged
                var wait = Harness.command(second, "console-cam", "WAIT");
                assertThat(wait.statusCode()).as(wait.body()).isEqualTo(200);
                await().atMost(Duration.ofSeconds(20)).until(() ->
                        Harness.get(Harness.base(first) + "/api/v1/devices").body().contains("\"state\":\"WAITING\""));
                var resume = Harness.command(first, "console-cam", "RESUME");
                assertThat(resume.statusCode()).as(resume.body()).isEqualTo(200);

                // an acknowledgement on one console reaches the other
                String id = alerts.get(0).get("id").asText();
                var ack = Harness.HTTP.send(Harness.operator(Harness.base(second) + "/api/v1/alerts/" + id + "/ack")
                        .POST(java.net.http.HttpRequest.BodyPublishers.noBody()).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertThat(ack.statusCode()).isEqualTo(200);
                await().atMost(Duration.ofSeconds(20)).until(() -> alerts(first).stream().anyMatch(a ->
                        a.get("id").asText().equals(id) && !a.get("acknowledgedAt").isNull()));

                // a session from one console's login is good on the other
                var login = Harness.HTTP.send(java.net.http.HttpRequest.newBuilder(
                                java.net.URI.create(Harness.base(first) + "/login"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        // form-encoded: a token's '+' would otherwise arrive as a space
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString("token=" + java.net.URLEncoder.encode(
                                Harness.OPERATOR, java.nio.charset.StandardCharsets.UTF_8))).build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertThat(login.statusCode()).as(login.body()).isEqualTo(303);
                String cookie = login.headers().firstValue("Set-Cookie").orElseThrow().split(";")[0];
                var devices = Harness.HTTP.send(java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(Harness.base(second) + "/api/v1/devices")).header("Cookie", cookie).GET().build(),
                        java.net.http.HttpResponse.BodyHandlers.ofString());
                assertThat(devices.statusCode()).isEqualTo(200);

                // recordings: the segments node-2 wrote are listed by node-1's console (shared storage), once its index's
                // reconcile pass has read the day directory
                await().atMost(Duration.ofSeconds(60)).until(() -> Segments.sidecars(cluster.segments, "console-cam").size() >= 1);
                String day = Segments.sidecars(cluster.segments, "console-cam").get(0).getParent().getFileName().toString();
                await().atMost(Duration.ofSeconds(30)).until(() -> Harness.get(Harness.base(first)
                        + "/api/v1/devices/console-cam/segments?day=" + day).body().contains("\"segment\""));
                System.out.printf("FIGURE two console nodes: %d alerts, the same ids on both, each frame once; WAIT through"
                        + " the node without the device's datagrams acknowledged in %s%n", alerts.size(), wait.body());
            }
        }
    }

    private static List<JsonNode> alerts(Map<String, String> node) throws Exception {
        JsonNode list = Segments.JSON.readTree(Harness.get(Harness.base(node) + "/api/v1/alerts").body());
        List<JsonNode> alerts = new ArrayList<>();
        list.forEach(alerts::add);
        return alerts;
    }

    private static java.util.Set<String> alertIds(Map<String, String> node) throws Exception {
        return new HashSet<>(alerts(node).stream().map(a -> a.get("id").asText()).toList());
    }

    @Test
    @Order(9)
    void oneBrokerStoppedMidStreamIngestKeepsAcknowledgingNothingLost() throws Exception {
        try (Cluster cluster = new Cluster("broker-stop")) {
            Map<String, String> ingest = cluster.start("ingest", "ingest-a");
            cluster.start("segments", "segments-a");
            try (CameraLoad load = new CameraLoad(Harness.base(ingest), "cam", 10, 10, 20, JPEG)) {
                load.start();
                await().atMost(Duration.ofSeconds(60)).until(() -> load.acknowledgedTotal() >= 300);
                int broker = kafka.brokers().keySet().iterator().next();
                kafka.brokers().get(broker).shutdown();
                long stopped = System.currentTimeMillis();
                long ackedBefore = load.acknowledgedTotal();
                await().atMost(Duration.ofSeconds(60)).until(() -> load.acknowledgedTotal() >= ackedBefore + 300);
                System.out.printf("FIGURE broker %d stopped: 300 more frames acknowledged with 2 of 3 brokers after %.1f s;"
                        + " %d retries by the cameras so far%n", broker, (System.currentTimeMillis() - stopped) / 1000.0,
                        load.retries());
                drainAndCheck(cluster.segments, load, "one of three brokers stopped mid-stream");
            }
        }
    }
}
