package io.sightline;

import com.fasterxml.jackson.databind.JsonNode;
import io.sightline.faults.ImpairmentProxy;
import io.sightline.faults.ImpairmentProxy.Cut;
import org.apache.camel.component.seda.SedaEndpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
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
 * Sender and receiver joined by an {@link ImpairmentProxy}: loss, delay, cuts, a narrow link, restarts and a
 * receiver killed with SIGKILL. Every scenario ends by checking that each captured frame is in the segments
 * exactly once. Figures are printed as "FIGURE ..." lines for docs/reliability.md.
 */
class LinkFaultsTest {

    /** Length of the link cuts; 30 s as the scenario asks, shorter with -Dsightline.test.cut-seconds=N. */
    static final long CUT_SECONDS = Long.getLong("sightline.test.cut-seconds", 30);

    @TempDir
    Path dir;

    /** A sender whose receiver is reached through {@code proxy}, with short timeouts (faults show sooner). */
    static Map<String, String> senderThrough(ImpairmentProxy proxy, Map<String, String> receiver, String device,
                                             String source) throws IOException {
        Map<String, String> s = Harness.sender(receiver, device, source);
        s.put("sightline.receiver.http-port", String.valueOf(proxy.tcpPort()));
        s.put("sightline.receiver.udp-port", String.valueOf(proxy.udpPort()));
        s.put("sightline.sender.response-timeout-ms", "3000");
        s.put("sightline.sender.connect-timeout-ms", "2000");
        return s;
    }

    private Map<String, String> senderVia(ImpairmentProxy proxy, Map<String, String> receiver, String device, String source) throws Exception {
        Map<String, String> s = senderThrough(proxy, receiver, device, source);
        s.put("sightline.segment.seconds", "2");
        return s;
    }

    private static Map<String, String> receiverSettings(Path data) throws Exception {
        Map<String, String> r = Harness.receiver(data);
        r.put("sightline.segment.idle-timeout-ms", "3000");
        return r;
    }

    /** Frames captured by the sender so far. */
    static long captured(Map<String, String> sender) throws Exception {
        return (long) MonitoringTest.value(MonitoringTest.scrape(sender), "sightline_frames_captured_total");
    }

    static void assertExactlyOnce(Path data, String device, long framesPerStream) throws Exception {
        Map<String, List<Long>> streams = Segments.framesByStream(data, device);
        assertThat(streams).isNotEmpty();
        for (Map.Entry<String, List<Long>> stream : streams.entrySet()) {
            List<Long> sorted = new ArrayList<>(stream.getValue());
            sorted.sort(null);
            assertThat(new HashSet<>(sorted)).as("no duplicates in " + stream.getKey()).hasSameSizeAs(sorted);
            if (framesPerStream > 0) {
                assertThat(sorted).as("frames of " + stream.getKey())
                        .isEqualTo(LongStream.range(0, framesPerStream).boxed().toList());
            }
        }
    }

    static int segmentFrames(Path data, String device) throws Exception {
        return Segments.framesWritten(data, device);
    }

    @Test
    void lossAndDelayDeliverEveryFrameOnceNearRealTime() throws Exception {
        int frames = 200;
        Path video = Harness.markedVideo(dir, frames, 640, 480, 20);
        Path data = dir.resolve("data");
        Map<String, String> receiver = receiverSettings(data);
        try (Sightline rx = Sightline.start(receiver);
             ImpairmentProxy proxy = new ImpairmentProxy(Integer.parseInt(receiver.get("sightline.receiver.http-port")),
                     Integer.parseInt(receiver.get("sightline.receiver.udp-port"))).loss(5).delay(100, 20)) {
            Map<String, String> sender = senderVia(proxy, receiver, "lossy-cam", video.toString());
            sender.put("sightline.source.loop", "false");
            sender.put("sightline.segment.seconds", "10");
            long started = System.currentTimeMillis();
            try (Sightline tx = Sightline.start(sender)) {
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).until(() ->
                        MonitoringTest.value(MonitoringTest.scrape(receiver), "sightline_frames_received_total") >= frames);
                long stored = System.currentTimeMillis();
                await().atMost(Duration.ofSeconds(30)).until(() -> segmentFrames(data, "lossy-cam") >= frames);
                JsonNode first = Segments.read(Segments.sidecars(data, "lossy-cam").get(0));
                long firstCapture = first.get("firstCaptureTime").asLong();
                double realTime = frames / 20.0;
                double took = (stored - firstCapture) / 1000.0;
                System.out.printf("FIGURE loss5%%+delay100±20ms: %d frames captured in %.1f s of real time, all stored after %.2f s"
                        + " (%.2fx real time); start to last stored %.2f s; UDP datagrams dropped by the link: %d%n",
                        frames, realTime, took, took / realTime, (stored - started) / 1000.0, proxy.udpDropped());
                // how fast is the benchmark's business (bin/bench, "impaired link"); this test asserts what arrives
            }
        }
        assertExactlyOnce(data, "lossy-cam", frames);
    }

    private static List<String> listIncoming(Path data) throws IOException {
        Path incoming = data.resolve("incoming");
        return Segments.filesUnder(incoming).stream().map(incoming::relativize).map(Path::toString).toList();
    }

    static long receiverLastFrame(Map<String, String> receiver) throws Exception {
        JsonNode devices = Segments.JSON.readTree(Harness.get(Harness.base(receiver) + "/api/v1/devices").body());
        return devices.isEmpty() ? -1 : devices.get(0).get("lastFrame").asLong();
    }

    static double spooled(Map<String, String> sender) throws Exception {
        return MonitoringTest.value(MonitoringTest.scrape(sender), "sightline_spool_frames");
    }

    /**
     * Frames the receiver acknowledged at full quality: each frame once. A frame whose live copy went reduced is
     * acknowledged twice, reduced and later full from the spool, so the sum over qualities can pass the frames
     * captured while frames are still on their way.
     */
    static double acknowledgedAtFullQuality(Map<String, Double> series) {
        return series.entrySet().stream()
                .filter(s -> s.getKey().startsWith("sightline_frames_acknowledged_total{") && s.getKey().contains("quality=\"full\""))
                .mapToDouble(Map.Entry::getValue).sum();
    }

    /** Stops capture, waits until the sender has delivered everything, returns how many frames it captured. */
    static long finish(Sightline tx, Map<String, String> sender) throws Exception {
        tx.context().getRouteController().stopRoute("capture");
        long captured = captured(sender);
        try {
            await().atMost(Duration.ofSeconds(120)).until(() -> {
                Map<String, Double> m = MonitoringTest.scrape(sender);
                return MonitoringTest.value(m, "sightline_spool_frames") == 0
                        && acknowledgedAtFullQuality(m) + MonitoringTest.value(m, "sightline_spool_dropped_total") >= captured;
            });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            Map<String, Double> m = MonitoringTest.scrape(sender); // say where the sender is stuck
            System.out.println("finish diagnosis: " + captured + " captured; " + m.entrySet().stream()
                    .filter(s -> s.getKey().matches("sightline_(frames|spool|link|live|bytes).*"))
                    .map(s -> s.getKey() + "=" + s.getValue()).sorted().toList());
            throw e;
        }
        return captured;
    }

    @Test
    void cutsOfThirtySecondsLoseNothingAndTheSpoolDrainsBehindLiveFrames() throws Exception {
        Path data = dir.resolve("data");
        Map<String, String> receiver = receiverSettings(data);
        try (Sightline rx = Sightline.start(receiver);
             ImpairmentProxy proxy = new ImpairmentProxy(Integer.parseInt(receiver.get("sightline.receiver.http-port")),
                     Integer.parseInt(receiver.get("sightline.receiver.udp-port")))) {
            Map<String, String> sender = senderVia(proxy, receiver, "cut-cam", "synthetic");
            sender.put("sightline.capture.width", "320");
            sender.put("sightline.capture.height", "240");
            long captured;
            try (Sightline tx = Sightline.start(sender)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> receiverLastFrame(receiver) >= 40);
                for (Cut cut : new Cut[] {Cut.SILENT, Cut.REFUSE}) {
                    proxy.cut(cut);
                    Thread.sleep(CUT_SECONDS * 1000); // the link stays cut this long
                    double backlog = spooled(sender);
                    long capturedAtRestore = captured(sender);
                    proxy.cut(Cut.NONE);
                    long restored = System.currentTimeMillis();
                    // live frames come through while the spool is still draining
                    await().atMost(Duration.ofSeconds(60)).until(() -> receiverLastFrame(receiver) > capturedAtRestore);
                    double backlogWhenLiveResumed = spooled(sender);
                    long liveAfter = System.currentTimeMillis() - restored;
                    await().atMost(Duration.ofSeconds(120)).until(() -> spooled(sender) == 0);
                    System.out.printf("FIGURE cut %s %d s: %.0f frames spooled at the end of the cut; live frames again %d ms"
                            + " after the link returned, %.0f frames still spooled then; spool empty %d ms after the link returned%n",
                            cut, CUT_SECONDS, backlog, liveAfter, backlogWhenLiveResumed, System.currentTimeMillis() - restored);
                    assertThat(backlog).as("frames spooled during the cut").isPositive();
                    assertThat(backlogWhenLiveResumed).as("spool still draining when live frames resumed").isPositive();
                }
                captured = finish(tx, sender);
                assertThat(MonitoringTest.value(MonitoringTest.scrape(sender), "sightline_spool_dropped_total")).isZero();
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> segmentFrames(data, "cut-cam") >= captured);
            System.out.printf("FIGURE cuts: %d frames captured, %d in segments%n", captured, segmentFrames(data, "cut-cam"));
            // datagrams of the frames sent during the cuts were all lost; their detections came with the frames
            long withoutDatagram = Segments.sidecars(data, "cut-cam").stream().map(Segments::read)
                    .flatMap(meta -> java.util.stream.StreamSupport.stream(meta.get("frames").spliterator(), false))
                    .filter(f -> f.has("udp") && !f.get("udp").asBoolean()).count();
            long detections = Segments.sidecars(data, "cut-cam").stream().map(Segments::read)
                    .mapToLong(meta -> meta.get("detections").size()).sum();
            assertThat(withoutDatagram).as("frames with detections whose datagram was lost").isGreaterThan(100);
            assertThat(detections).isGreaterThan(withoutDatagram);
            assertExactlyOnce(data, "cut-cam", captured);
        }
    }

    @Test
    void aFullSpoolDropsItsOldestFramesCountedAndStaysHealthy() throws Exception {
        Path data = dir.resolve("data");
        Map<String, String> receiver = receiverSettings(data);
        try (Sightline rx = Sightline.start(receiver);
             ImpairmentProxy proxy = new ImpairmentProxy(Integer.parseInt(receiver.get("sightline.receiver.http-port")),
                     Integer.parseInt(receiver.get("sightline.receiver.udp-port")))) {
            Map<String, String> sender = senderVia(proxy, receiver, "full-cam", "synthetic");
            sender.put("sightline.capture.width", "320");
            sender.put("sightline.capture.height", "240");
            sender.put("sightline.spool.max-bytes", "200000");
            int inFlight = 8;
            sender.put("sightline.sender.in-flight", String.valueOf(inFlight));
            long captured;
            double dropped;
            try (Sightline tx = Sightline.start(sender)) {
                await().atMost(Duration.ofSeconds(30)).until(() -> receiverLastFrame(receiver) >= 20);
                proxy.cut(Cut.REFUSE);
                await().atMost(Duration.ofSeconds(60)).until(() ->
                        MonitoringTest.value(MonitoringTest.scrape(sender), "sightline_spool_dropped_total") >= 40);
                long before = captured(sender);
                await().atMost(Duration.ofSeconds(10)).until(() -> captured(sender) > before + 10);
                assertThat(Harness.get(Harness.management(sender) + "/observe/health/live").statusCode()).isEqualTo(200);
                assertThat(MonitoringTest.value(MonitoringTest.scrape(sender), "sightline_spool_bytes")).isLessThanOrEqualTo(200000);
                proxy.cut(Cut.NONE);
                captured = finish(tx, sender);
                dropped = MonitoringTest.value(MonitoringTest.scrape(sender), "sightline_spool_dropped_total");
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> segmentFrames(data, "full-cam") >= captured - dropped);
            List<Long> stored = new ArrayList<>(Segments.framesByStream(data, "full-cam").values().iterator().next());
            stored.sort(null);
            System.out.printf("FIGURE spool limit 200000 bytes: %d captured, %.0f dropped, %d stored%n", captured, dropped, stored.size());
            // a frame whose POST reached the receiver but whose answer the cut swallowed is stored and, spooled,
            // may later be dropped from the spool too: stored can exceed captured - dropped by those, never fall short
            assertThat(stored).doesNotHaveDuplicates();
            assertThat((long) stored.size()).isBetween((long) (captured - dropped), captured);
            // what is missing is one run of frames: the oldest of the cut, dropped to make room. Inside it only frames
            // in flight when the cut reset the connections may be stored (spread over four connections, some got
            // through, some not, and the answers of all were lost)
            List<Long> missing = LongStream.range(0, captured).filter(n -> !stored.contains(n)).boxed().toList();
            assertThat((double) missing.size()).isLessThanOrEqualTo(dropped).isGreaterThan(0);
            long first = missing.get(0);
            long last = missing.get(missing.size() - 1);
            assertThat(stored).filteredOn(n -> n > first && n < last).allSatisfy(n -> assertThat(n).isLessThan(first + inFlight));
        }
    }

    @Test
    void aLinkNarrowerThanTheStreamSpoolsReportsTheBacklogAndKeepsMemoryBounded() throws Exception {
        Path data = dir.resolve("data");
        Map<String, String> receiver = receiverSettings(data);
        try (Sightline rx = Sightline.start(receiver);
             ImpairmentProxy proxy = new ImpairmentProxy(Integer.parseInt(receiver.get("sightline.receiver.http-port")),
                     Integer.parseInt(receiver.get("sightline.receiver.udp-port"))).bandwidth(2_000_000)) {
            Map<String, String> sender = senderVia(proxy, receiver, "narrow-cam", "synthetic");
            long captured;
            try (Sightline tx = Sightline.start(sender)) {
                SedaEndpoint queue = tx.context().getEndpoint("seda:frames-out", SedaEndpoint.class);
                int queueBound = Integer.parseInt(tx.context().resolvePropertyPlaceholders("{{sightline.sender.queue-size}}"));
                int largestQueue = 0;
                long until = System.currentTimeMillis() + 10_000;
                while (System.currentTimeMillis() < until) { // 10 s of a 20 fps 640x480 stream into 2 Mbit/s
                    largestQueue = Math.max(largestQueue, queue.getCurrentQueueSize());
                    Thread.sleep(100);
                }
                JsonNode device = Segments.JSON.readTree(Harness.get(Harness.base(receiver) + "/api/v1/devices").body()).get(0);
                double backlog = spooled(sender);
                Map<String, Double> counts = MonitoringTest.scrape(sender);
                double full = acknowledgedAtFullQuality(counts);
                System.out.printf("FIGURE 2 Mbit/s link, 640x480 at 20 fps for 10 s: %.0f frames captured, %.0f acknowledged at"
                        + " full quality and %.0f reduced, %.0f spooled (receiver sees a backlog of %d), largest in-memory queue %d of %d%n",
                        MonitoringTest.value(counts, "sightline_frames_captured_total"), full,
                        MonitoringTest.value(counts, "sightline_frames_acknowledged_total") - full,
                        backlog, device.get("senderSpooled").asLong(), largestQueue, queueBound);
                assertThat(backlog).isPositive();
                assertThat(device.get("senderSpooled").asLong()).as("backlog reported to the receiver").isPositive();
                assertThat(largestQueue).isLessThanOrEqualTo(queueBound);
                proxy.bandwidth(0);
                captured = finish(tx, sender);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> segmentFrames(data, "narrow-cam") >= captured);
            assertExactlyOnce(data, "narrow-cam", captured);
        }
    }

    @Test
    void aReceiverKilledMidSegmentLosesNothingAcknowledged() throws Exception {
        Path data = dir.resolve("data");
        Map<String, String> receiver = receiverSettings(data);
        Path log = dir.resolve("receiver.log");
        Map<String, String> sender = Harness.sender(receiver, "kill-cam", "synthetic");
        sender.put("sightline.capture.width", "320");
        sender.put("sightline.capture.height", "240");
        sender.put("sightline.segment.seconds", "4");
        long captured;
        SightlineProcess first = new SightlineProcess(receiver, log);
        SightlineProcess restarted = null;
        try {
            try (Sightline tx = Sightline.start(sender)) {
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        MonitoringTest.value(MonitoringTest.scrape(sender), "sightline_frames_acknowledged_total") >= 110);
                first.kill(); // mid-way through the second segment
                double acknowledgedAtKill = MonitoringTest.value(MonitoringTest.scrape(sender), "sightline_frames_acknowledged_total");
                await().atMost(Duration.ofSeconds(30)).until(() -> spooled(sender) >= 40);
                restarted = new SightlineProcess(receiver, log);
                captured = finish(tx, sender);
                System.out.printf("FIGURE receiver kill -9: %.0f frames acknowledged before the kill, %d captured in all%n",
                        acknowledgedAtKill, captured);
            }
            await().atMost(Duration.ofSeconds(90)).until(() -> segmentFrames(data, "kill-cam") >= captured);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            // once seen under full-suite load: say what is missing and what the receiver logged
            System.out.println("kill -9 diagnosis: segments " + Segments.framesByStream(data, "kill-cam")
                    + "\nincoming " + listIncoming(data) + "\nreceiver log:\n" + java.nio.file.Files.readString(log));
            throw e;
        } finally {
            first.close(); // whatever failed, no receiver outlives the test
            if (restarted != null) {
                restarted.close();
            }
        }
        assertExactlyOnce(data, "kill-cam", captured);
        for (Path sidecar : Segments.sidecars(data, "kill-cam")) {
            assertThat(Segments.decode(Segments.video(sidecar)).markers()).as(sidecar.toString())
                    .hasSize(Segments.read(sidecar).get("frameCount").asInt());
        }
        assertThat(java.nio.file.Files.readString(log)).contains("Recovering");
    }

    @Test
    void aRestartedSenderStartsANewStreamWithoutDuplicatesOrCollisions() throws Exception {
        Path data = dir.resolve("data");
        Map<String, String> receiver = receiverSettings(data);
        try (Sightline rx = Sightline.start(receiver)) {
            List<Long> capturedPerRun = new ArrayList<>();
            for (int run = 0; run < 2; run++) {
                Map<String, String> sender = Harness.sender(receiver, "restart-cam", "synthetic");
                sender.put("sightline.capture.width", "320");
                sender.put("sightline.capture.height", "240");
                sender.put("sightline.segment.seconds", "2");
                try (Sightline tx = Sightline.start(sender)) {
                    double before = MonitoringTest.value(MonitoringTest.scrape(receiver), "sightline_frames_received_total");
                    await().atMost(Duration.ofSeconds(30)).until(() ->
                            MonitoringTest.value(MonitoringTest.scrape(receiver), "sightline_frames_received_total") >= before + 50);
                    capturedPerRun.add(finish(tx, sender));
                }
            }
            long total = capturedPerRun.stream().mapToLong(Long::longValue).sum();
            await().atMost(Duration.ofSeconds(30)).until(() -> segmentFrames(data, "restart-cam") >= total);
            Map<String, List<Long>> streams = Segments.framesByStream(data, "restart-cam");
            assertThat(streams).hasSize(2);
            List<Long> sizes = streams.values().stream().map(l -> (long) l.size()).toList();
            assertThat(sizes).containsExactlyElementsOf(capturedPerRun);
            assertExactlyOnce(data, "restart-cam", 0);
            streams.forEach((stream, frames) -> assertThat(frames).doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(LongStream.range(0, frames.size()).boxed().toList()));
        }
    }
}
