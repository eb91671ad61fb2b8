package io.sightline;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * {@code bin/bench cluster}: Sightline as a cluster of processes on this machine - a Kafka broker started from the
 * Kafka jars as its own JVM (KRaft, no ZooKeeper), two ingest, two segment-writer and one console process - under
 * simulated cameras, and the same cameras into one receiver on the local bus in the same run (the reference).
 * Reports aggregate frames/s, CPU per frame per role, capture to acknowledgement, to segment on disk and to the
 * live view (p50/p99), and how long the partitions of a segment writer killed with SIGKILL take to flow again.
 * Writes target/cluster-benchmark.txt.
 */
public final class ClusterBenchmark {

    private static final int CAMERAS = Integer.getInteger("bench.cameras", 20);
    private static final int FPS = Integer.getInteger("bench.fps", 10);
    /**
     * Six JVMs (five nodes and the broker) compile under load on two cores: after 30 s their CPU per frame was still
     * 2-4x what it settles at (C2 compiles what becomes hot only once frames flow); after 120 s it is steady.
     */
    private static final int WARM_SECONDS = Integer.getInteger("bench.warm-seconds", 120);
    private static final int SECONDS = Integer.getInteger("bench.seconds", 60);
    private static final int IDLE_SETTLE_SECONDS = 20;
    private static final int IDLE_SECONDS = 15;
    private static final byte[] JPEG = Harness.syntheticJpeg(640, 480, 80);

    private final Path work;
    private final BenchReport report = new BenchReport();

    private ClusterBenchmark(Path work) {
        this.work = work;
    }

    public static void main(String[] args) throws Exception {
        ClusterBenchmark bench = new ClusterBenchmark(Files.createTempDirectory("sightline-cluster-bench"));
        bench.line(String.format("%-34s | %9s | %10s | %s", "case", "frames/s", "CPU ms/fr", "notes"));
        bench.line("-".repeat(140));
        bench.local();
        bench.cluster();
        bench.report.finish("cluster-benchmark.txt", bench.work);
    }

    private void line(String text) {
        report.line(text);
    }

    /** The reference: the same cameras into one receiver process on the local bus (frames fsynced on its disk). */
    private void local() throws Exception {
        Path data = work.resolve("local");
        Map<String, String> receiver = Harness.receiver(data);
        receiver.put("sightline.segment.idle-timeout-ms", "3000");
        try (SightlineProcess rx = new SightlineProcess(receiver, work.resolve("local.log"));
             CameraLoad load = new CameraLoad(Harness.base(receiver), "ref", CAMERAS, FPS, FPS * 2, JPEG)) {
            Map<String, Double> idle = idle(Map.of("receiver", rx), null);
            load.start();
            Window w = measure(load, Map.of("receiver", rx), null, idle);
            line(String.format("%-34s | %9.0f | %10.2f | %d cameras at %d fps, 640x480 q80 (%d KB); idle %.2f cores;"
                            + " acknowledged after p50 %d ms, p99 %d ms", "local bus, one receiver", w.fps(),
                    w.cpuMs().get("receiver"), CAMERAS, FPS, JPEG.length / 1024, w.idleCores().get("receiver"),
                    w.ackP50(), w.ackP99()));
        }
    }

    private void cluster() throws Exception {
        Path shared = work.resolve("shared");
        try (Broker broker = new Broker(work.resolve("kafka"))) {
            Map<String, SightlineProcess> nodes = new LinkedHashMap<>();
            List<Map<String, String>> settings = new ArrayList<>();
            try {
                for (String[] node : new String[][] {{"ingest", "ingest-a"}, {"ingest", "ingest-b"},
                        {"segments", "segments-a"}, {"segments", "segments-b"}, {"console", "console-a"}}) {
                    Map<String, String> s = Harness.receiver(work.resolve(node[1]));
                    s.put("sightline.role", node[0]);
                    s.put("sightline.bus", "kafka");
                    s.put("sightline.kafka.brokers", broker.address());
                    s.put("sightline.kafka.node", node[1]);
                    s.put("sightline.kafka.replication-factor", "1"); // one broker on this machine
                    s.put("sightline.kafka.min-insync-replicas", "1");
                    s.put("sightline.segments-dir", shared.resolve("segments").toString());
                    s.put("sightline.segment.idle-timeout-ms", "3000");
                    settings.add(s);
                    nodes.put(node[1], new SightlineProcess(s, work.resolve(node[1] + ".log")));
                }
                Map<String, String> console = settings.get(4);
                try (CameraLoad load = new CameraLoad(List.of(Harness.base(settings.get(0)), Harness.base(settings.get(1))),
                        "cam", CAMERAS, FPS, FPS * 2, JPEG);
                     LiveWatch live = new LiveWatch(Harness.base(console) + "/api/v1/devices/cam-0/live.mjpeg")) {
                    Map<String, Double> idle = idle(nodes, broker);
                    load.start();
                    Window w = measure(load, nodes, broker, idle);
                    line(String.format("%-34s | %9.0f | %10.2f | %d cameras over 2 ingest; CPU ms per frame: %s;"
                                    + " idle cores: %s; acknowledged after p50 %d ms, p99 %d ms", "Kafka bus: 2+2+1 nodes, 1 broker",
                            w.fps(), w.cpuMs().values().stream().mapToDouble(Double::doubleValue).sum(), CAMERAS,
                            roles(w.cpuMs(), "%.2f"), roles(w.idleCores(), "%.2f"), w.ackP50(), w.ackP99()));
                    long[] livePercentiles = live.percentiles(w.since());
                    line(String.format("%-34s | %9s | %10s | capture to live view (console's live.mjpeg, cam-0): p50 %d ms,"
                            + " p99 %d ms over %d frames", "", "", "", livePercentiles[0], livePercentiles[1], livePercentiles[2]));
                    long[] durable = segmentLatency(shared, load, w.since());
                    line(String.format("%-34s | %9s | %10s | capture to segment on disk: p50 %d ms, p99 %d ms over %d frames"
                            + " (segments of %d s)", "", "", "", durable[0], durable[1], durable[2], 2));
                    // rebalance: one writer killed, its partitions move; until every camera's segments flow again
                    nodes.get("segments-b").kill();
                    long killed = System.currentTimeMillis();
                    await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(100)).until(() ->
                            load.devices().stream().allMatch(d -> Segments.writtenAfter(shared, d, killed)));
                    line(String.format("%-34s | %9s | %10s | a segment writer killed (SIGKILL): every camera's segments flow"
                                    + " again after %.1f s (sightline.kafka.session-timeout-ms %s)", "rebalance", "", "",
                            (System.currentTimeMillis() - killed) / 1000.0, setting("sightline.kafka.session-timeout-ms")));
                    load.stopCapture();
                    await().atMost(Duration.ofSeconds(120)).until(load::allAcknowledged);
                }
            } finally {
                for (SightlineProcess p : nodes.values()) {
                    p.close();
                }
            }
        }
    }

    private static String setting(String key) throws IOException {
        java.util.Properties p = new java.util.Properties();
        try (var in = Files.newBufferedReader(Path.of("application.properties"))) {
            p.load(in);
        }
        return p.getProperty(key);
    }


    /**
     * What a measuring window saw: frames/s acknowledged; per role, the CPU of its processes while idle (cores) and
     * per frame (ms) once the idle CPU is taken off (what a frame costs; JVMs with Kafka clients, timers and a JIT
     * still compiling cost CPU without any frame, which at these rates would be most of a per-frame figure);
     * acknowledgement latency.
     */
    private record Window(long since, double fps, Map<String, Double> idleCores, Map<String, Double> cpuMs, long ackP50,
                          long ackP99) {
    }

    /** CPU (ms) of every process now: the Sightline processes by name, and the broker. */
    private static Map<String, Long> cpu(Map<String, SightlineProcess> processes, Broker broker) {
        Map<String, Long> cpu = new LinkedHashMap<>();
        processes.forEach((name, p) -> cpu.put(name, p.cpuMillis()));
        if (broker != null) {
            cpu.put("kafka broker", broker.cpuMillis());
        }
        return cpu;
    }

    /** The processes' idle CPU over IDLE_SECONDS (after a settling pause), in ms per second per process. */
    private static Map<String, Double> idle(Map<String, SightlineProcess> processes, Broker broker) throws Exception {
        TimeUnit.SECONDS.sleep(IDLE_SETTLE_SECONDS);
        Map<String, Long> before = cpu(processes, broker);
        long start = System.nanoTime();
        TimeUnit.SECONDS.sleep(IDLE_SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Long> after = cpu(processes, broker);
        Map<String, Double> rate = new LinkedHashMap<>();
        before.forEach((name, ms) -> rate.put(name, (after.get(name) - ms) / seconds));
        return rate;
    }

    /** Waits out the warm-up, then measures for SECONDS: frames acknowledged and each process's CPU above idle. */
    private Window measure(CameraLoad load, Map<String, SightlineProcess> processes, Broker broker,
                           Map<String, Double> idle) throws Exception {
        TimeUnit.SECONDS.sleep(WARM_SECONDS);
        Map<String, Long> before = cpu(processes, broker);
        long since = System.currentTimeMillis();
        long ackedBefore = load.acknowledgedTotal();
        int acksBefore = load.acks().size();
        long start = System.nanoTime();
        TimeUnit.SECONDS.sleep(SECONDS);
        double seconds = (System.nanoTime() - start) / 1e9;
        Map<String, Long> after = cpu(processes, broker);
        long frames = load.acknowledgedTotal() - ackedBefore;
        Map<String, Double> idleCores = new LinkedHashMap<>();
        Map<String, Double> perFrame = new LinkedHashMap<>();
        before.forEach((name, ms) -> {
            String role = name.replaceAll("-[a-z]$", "");
            idleCores.merge(role, idle.get(name) / 1000, Double::sum);
            perFrame.merge(role, (after.get(name) - ms - idle.get(name) * seconds) / frames, Double::sum);
        });
        List<CameraLoad.Acked> acks = load.acks();
        List<Long> window = acks.subList(acksBefore, acks.size()).stream().map(CameraLoad.Acked::ackMillis).sorted().toList();
        return new Window(since, frames / seconds, idleCores, perFrame, percentile(window, 50), percentile(window, 99));
    }

    private static String roles(Map<String, Double> values, String format) {
        StringBuilder b = new StringBuilder();
        values.forEach((role, v) -> b.append(b.length() == 0 ? "" : ", ").append(role).append(' ').append(String.format(format, v)));
        return b.toString();
    }

    private static long percentile(List<Long> sorted, double p) {
        return sorted.isEmpty() ? -1 : sorted.get((int) Math.min(sorted.size() - 1, Math.floor(p / 100 * sorted.size())));
    }

    /** Per frame: when its segment's sidecar was written (file time) minus its capture time. */
    private static long[] segmentLatency(Path shared, CameraLoad load, long since) throws IOException {
        List<Long> latencies = new ArrayList<>();
        for (String device : load.devices()) {
            for (Path sidecar : Segments.sidecars(shared, device)) {
                long written = sidecar.toFile().lastModified();
                for (JsonNode f : Segments.read(sidecar).path("frames")) {
                    if (f.path("captureTime").asLong() >= since) { // frames of the measuring window
                        latencies.add(written - f.path("captureTime").asLong());
                    }
                }
            }
        }
        latencies.sort(null);
        return new long[] {percentile(latencies, 50), percentile(latencies, 99), latencies.size()};
    }

    /** Reads a console's live.mjpeg and keeps, per part, its arrival minus its capture time. */
    private static final class LiveWatch implements AutoCloseable {
        /** Per part: its capture time and its age when it arrived. */
        private final ConcurrentLinkedQueue<long[]> ages = new ConcurrentLinkedQueue<>();
        private final Thread reader;
        private volatile InputStream stream;

        LiveWatch(String url) {
            reader = new Thread(() -> {
                while (!Thread.currentThread().isInterrupted()) { // 404 until the console has seen the camera
                    try {
                        HttpResponse<InputStream> response = Harness.HTTP.send(HttpRequest.newBuilder(URI.create(url))
                                .header("Authorization", "Bearer " + Harness.OPERATOR).GET().build(),
                                HttpResponse.BodyHandlers.ofInputStream());
                        stream = response.body();
                        if (response.statusCode() != 200) {
                            stream.close();
                            TimeUnit.MILLISECONDS.sleep(500);
                            continue;
                        }
                        LiveParts parts = new LiveParts(stream);
                        while (!Thread.currentThread().isInterrupted()) {
                            LiveParts.Part part = parts.next();
                            ages.add(new long[] {part.captureTime(), part.receivedAt() - part.captureTime()});
                        }
                    } catch (InterruptedException stop) {
                        return;
                    } catch (Exception end) {
                        return; // closed
                    }
                }
            }, "live-watch");
            reader.setDaemon(true);
            reader.start();
        }

        /** p50, p99 and count of the live ages of the frames captured since {@code since}. */
        long[] percentiles(long since) {
            List<Long> window = new ArrayList<>(ages.stream().filter(a -> a[0] >= since).map(a -> a[1]).toList());
            window.sort(null);
            return new long[] {percentile(window, 50), percentile(window, 99), window.size()};
        }

        @Override
        public void close() throws IOException {
            reader.interrupt();
            if (stream != null) {
                stream.close();
            }
        }
    }

    /** A Kafka broker in a JVM of its own, from the kafka_2.13 jars on the test classpath: KRaft, one node. */
    private static final class Broker implements AutoCloseable {
        private final Process process;
        private final int port;

        Broker(Path dir) throws Exception {
            Files.createDirectories(dir);
            port = Harness.freeTcpPort();
            int controller = Harness.freeTcpPort();
            Path config = dir.resolve("server.properties");
            Files.writeString(config, String.join("\n",
                    "process.roles=broker,controller", "node.id=1",
                    "controller.quorum.voters=1@127.0.0.1:" + controller,
                    "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controller,
                    "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    "log.dirs=" + dir.resolve("logs"),
                    "offsets.topic.replication.factor=1", "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1", "group.initial.rebalance.delay.ms=0",
                    "message.max.bytes=8454144", "replica.fetch.max.bytes=8454144", ""));
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String classpath = System.getProperty("java.class.path");
            Process format = new ProcessBuilder(java, "-cp", classpath, "kafka.tools.StorageTool", "format",
                    "-t", UUID.randomUUID().toString().replace("-", "").substring(0, 22), "-c", config.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("format.log").toFile()).start();
            if (!format.waitFor(60, TimeUnit.SECONDS) || format.exitValue() != 0) {
                throw new IllegalStateException("kafka-storage format failed: " + Files.readString(dir.resolve("format.log")));
            }
            process = new ProcessBuilder(java, "-Xmx1g", "-cp", classpath, "kafka.Kafka", config.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("broker.log").toFile()).start();
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                try (var socket = new java.net.Socket("127.0.0.1", port)) {
                    return true;
                }
            });
        }

        String address() {
            return "127.0.0.1:" + port;
        }

        long cpuMillis() {
            return process.info().totalCpuDuration().orElseThrow().toMillis();
        }

        @Override
        public void close() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }
}
