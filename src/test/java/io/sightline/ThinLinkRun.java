package io.sightline;

import io.sightline.faults.ImpairmentProxy;
import io.sightline.faults.VethNamespace;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToDoubleFunction;

import static org.awaitility.Awaitility.await;

/**
 * A sender on a thin, changing uplink, as in the field: the receiver in a network namespace of its own behind a
 * veth whose rate {@code tc tbf} sets phase by phase (a real kernel queue), 50 ms each way from the
 * {@link ImpairmentProxy}, loss (optional) dropped by nftables both ways. The sender (this JVM) captures the
 * synthetic scene at 640x480, 20 fps. Records every live frame as {@code curl} reads {@code live.mjpeg} inside
 * the receiver's namespace (so the shaped uplink does not delay the reading), and the sender's rung, link
 * estimate, acknowledged bytes and spool four times a second. After the last phase the link stays at its rate
 * until the spool is empty; then capture stops and the receiver writes every segment. Used by the thin-link test
 * (outcomes) and the benchmark (figures and a plot).
 */
final class ThinLinkRun {

    /** The uplink at {@code mbit} for {@code seconds} (the last phase: until the archive has drained). */
    record Phase(double mbit, int seconds) {
    }

    /** The sender's state at one moment (ms since the run started). */
    record Tick(long at, double linkMbit, int rung, double estimateMbit, double spooled, double acknowledgedBytes,
                double inFlightBytes, long wireBytes, double datagramBytes) {
    }

    /** What one phase looked like, from {@link #SETTLE_MILLIS} after it began to its end. */
    record PhaseFigures(Phase phase, long liveAgeP50, long liveAgeP95, long liveAgeP99, double liveFps, int smallestWidth,
                        int smallestHeight, double acknowledgedMbit, double wireMbit, double datagramMbit, long adaptMillis,
                        double estimateHigh) {

        double shareOfBottleneck() {
            return acknowledgedMbit / phase.mbit();
        }

        /** What the uplink carried with every header (HTTP, TCP, IP, Ethernet, retransmissions) of the bottleneck. */
        double wireShareOfBottleneck() {
            return wireMbit / phase.mbit();
        }
    }

    /** Figures are taken from this long after each change of rate. */
    static final long SETTLE_MILLIS = 3_000;
    static final String DEVICE = "thin-cam";

    final List<Phase> profile;
    final double lossPercent;
    final Path data;
    final List<LiveParts.Part> parts = new ArrayList<>();
    final List<Tick> ticks = new ArrayList<>();
    final List<Long> phaseStarts = new ArrayList<>();
    long started;
    long drainedAt;
    long captured;
    double segmentsUpgraded;
    double spoolDropped;
    double acknowledgedFull;
    double acknowledgedReduced;

    private ThinLinkRun(Path data, List<Phase> profile, double lossPercent) {
        this.data = data;
        this.profile = profile;
        this.lossPercent = lossPercent;
    }

    /** Runs the profile; {@code drainLimit} bounds the last phase. */
    static ThinLinkRun run(Path dir, int namespaceId, List<Phase> profile, double lossPercent, Duration drainLimit)
            throws Exception {
        ThinLinkRun run = new ThinLinkRun(dir.resolve("data"), profile, lossPercent);
        try (VethNamespace net = new VethNamespace("sltl", namespaceId)) {
            run.drive(dir, net, drainLimit);
        }
        return run;
    }

    private void drive(Path dir, VethNamespace net, Duration drainLimit) throws Exception {
        Map<String, String> rx = Harness.receiver(data);
        rx.put("sightline.receiver.bind", "0.0.0.0");
        rx.put("sightline.management.bind", "0.0.0.0");
        rx.put("sightline.segment.idle-timeout-ms", "3000");
        String receiverManagement = "http://" + net.address() + ":" + rx.get("sightline.management.port");
        if (lossPercent > 0) {
            net.drop("numgen random mod 100 < " + Math.round(lossPercent));
        }
        net.rate(profile.get(0).mbit());
        try (SightlineProcess receiver = new SightlineProcess(rx, dir.resolve("receiver.log"), net.exec(), receiverManagement);
             ImpairmentProxy proxy = new ImpairmentProxy(InetAddress.getByName(net.address()),
                     Integer.parseInt(rx.get("sightline.receiver.http-port")),
                     Integer.parseInt(rx.get("sightline.receiver.udp-port"))).delay(50, 5)) {
            Map<String, String> sender = LinkFaultsTest.senderThrough(proxy, rx, DEVICE, "synthetic");
            sender.put("sightline.hawtio.enabled", "false");
            AtomicBoolean running = new AtomicBoolean(true);
            started = System.currentTimeMillis();
            try (Sightline tx = Sightline.start(sender)) {
                Thread watcher = daemon(() -> watchLive(net, rx, running));
                Thread sampler = daemon(() -> sample(net, sender, running));
                try {
                    for (int i = 0; i < profile.size(); i++) {
                        Phase phase = profile.get(i);
                        net.rate(phase.mbit());
                        synchronized (this) {
                            phaseStarts.add(System.currentTimeMillis() - started);
                        }
                        if (i < profile.size() - 1) {
                            Thread.sleep(phase.seconds() * 1000L); // the profile: this rate for this long
                        }
                    }
                    await().atMost(drainLimit).pollInterval(Duration.ofMillis(250))
                            .until(() -> LinkFaultsTest.spooled(sender) == 0);
                    drainedAt = System.currentTimeMillis() - started;
                    Thread.sleep(profile.get(profile.size() - 1).seconds() * 1000L); // and live goes on a while
                } finally {
                    running.set(false);
                }
                watcher.join(10_000);
                sampler.join(10_000);
                captured = LinkFaultsTest.finish(tx, sender);
                Map<String, Double> counts = MonitoringTest.scrape(sender);
                spoolDropped = MonitoringTest.value(counts, "sightline_spool_dropped_total");
                acknowledgedFull = LinkFaultsTest.acknowledgedAtFullQuality(counts);
                acknowledgedReduced = MonitoringTest.value(counts, "sightline_frames_acknowledged_total") - acknowledgedFull;
            }
            await().atMost(Duration.ofSeconds(60)).until(() -> Segments.framesWritten(data, DEVICE) >= captured);
            segmentsUpgraded = MonitoringTest.value(MonitoringTest.scrapeAt(receiverManagement), "sightline_segments_upgraded_total");
        } finally {
            Files.createDirectories(Path.of("target"));
            Files.copy(dir.resolve("receiver.log"), Path.of("target", "thin-link-receiver.log"), StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static Thread daemon(Runnable work) {
        Thread thread = new Thread(work);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** Reads live.mjpeg inside the receiver's namespace while the run lasts (again when the stream ends). */
    private void watchLive(VethNamespace net, Map<String, String> rx, AtomicBoolean running) {
        List<String> command = new ArrayList<>(net.exec());
        command.addAll(List.of("curl", "-sN", "--max-time", "900", "-H", "Authorization: Bearer " + Harness.OPERATOR,
                "http://127.0.0.1:" + rx.get("sightline.receiver.http-port") + "/api/v1/devices/" + DEVICE + "/live.mjpeg"));
        for (int attempt = 0; attempt < 200 && running.get(); attempt++) {
            Process curl = null;
            try {
                curl = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
                try (InputStream in = curl.getInputStream()) {
                    LiveParts live = new LiveParts(in);
                    while (running.get()) {
                        LiveParts.Part part = live.next();
                        synchronized (this) {
                            parts.add(new LiveParts.Part(part.receivedAt() - started, part.captureTime() - started,
                                    part.width(), part.height(), part.bytes()));
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // the device is not known yet, or the stream ended: read it again
            } finally {
                if (curl != null) {
                    curl.destroy();
                }
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void sample(VethNamespace net, Map<String, String> sender, AtomicBoolean running) {
        while (running.get()) {
            try {
                Map<String, Double> m = MonitoringTest.scrape(sender);
                Tick tick = new Tick(System.currentTimeMillis() - started, linkMbitNow(),
                        (int) MonitoringTest.value(m, "sightline_live_rung"),
                        MonitoringTest.value(m, "sightline_link_estimate_bps") / 1e6,
                        MonitoringTest.value(m, "sightline_spool_frames"),
                        MonitoringTest.value(m, "sightline_bytes_acknowledged_total"),
                        MonitoringTest.value(m, "sightline_link_in_flight_bytes"), net.uplinkBytes(),
                        MonitoringTest.value(m, "sightline_bytes_sent_total{device=\"" + DEVICE + "\",path=\"udp\"}"));
                synchronized (this) {
                    ticks.add(tick);
                    if (ticks.size() % 20 == 0) { // the timeline in the log, every 5 s
                        System.out.printf(Locale.ROOT, "THIN %5.1f s: link %.1f Mbit/s, rung %d, estimate %.2f Mbit/s,"
                                        + " %.0f spooled, %.0f kB acknowledged, %.0f kB in flight, %d live frames%n", tick.at() / 1000.0,
                                tick.linkMbit(), tick.rung(), tick.estimateMbit(), tick.spooled(),
                                tick.acknowledgedBytes() / 1000, tick.inFlightBytes() / 1000, parts.size());
                    }
                }
                Thread.sleep(250);
            } catch (InterruptedException e) {
                return;
            } catch (Exception e) {
                // a scrape that failed is a missing sample
            }
        }
    }

    private synchronized double linkMbitNow() {
        return phaseStarts.isEmpty() ? profile.get(0).mbit() : profile.get(phaseStarts.size() - 1).mbit();
    }

    /** Start and end (ms since the run started) of phase {@code i}; the last ends when live stopped. */
    synchronized long[] span(int i) {
        long end = i + 1 < phaseStarts.size() ? phaseStarts.get(i + 1) : ticks.get(ticks.size() - 1).at();
        return new long[] {phaseStarts.get(i), end};
    }

    synchronized PhaseFigures figures(int i) {
        long[] span = span(i);
        long from = span[0] + SETTLE_MILLIS;
        List<LiveParts.Part> window = parts.stream().filter(p -> p.receivedAt() >= from && p.receivedAt() < span[1]).toList();
        List<Long> ages = new ArrayList<>(window.stream().map(p -> p.receivedAt() - p.captureTime()).toList());
        ages.sort(null);
        double seconds = (span[1] - from) / 1000.0;
        List<Tick> inside = ticks.stream().filter(t -> t.at() >= from && t.at() < span[1]).toList();
        double acknowledged = mbitOver(inside, Tick::acknowledgedBytes);
        double wire = mbitOver(inside, Tick::wireBytes);
        double datagrams = mbitOver(inside, Tick::datagramBytes);
        double mbit = profile.get(i).mbit();
        long adapt = ticks.stream().filter(t -> t.at() >= span[0] && t.at() < span[1]
                        && Math.abs(t.estimateMbit() - mbit) <= 0.2 * mbit).findFirst()
                .map(t -> t.at() - span[0]).orElse(-1L);
        double high = inside.stream().mapToDouble(Tick::estimateMbit).max().orElse(0) / mbit;
        return new PhaseFigures(profile.get(i), percentile(ages, 0.5), percentile(ages, 0.95), percentile(ages, 0.99),
                window.size() / seconds, window.stream().mapToInt(LiveParts.Part::width).min().orElse(0),
                window.stream().mapToInt(LiveParts.Part::height).min().orElse(0), acknowledged, wire, datagrams, adapt, high);
    }

    /** Mbit/s of a byte counter between the first and the last of {@code ticks}. */
    private static double mbitOver(List<Tick> ticks, ToDoubleFunction<Tick> bytes) {
        if (ticks.size() < 2) {
            return 0;
        }
        Tick first = ticks.get(0);
        Tick last = ticks.get(ticks.size() - 1);
        return (bytes.applyAsDouble(last) - bytes.applyAsDouble(first)) * 8 / 1e6 / ((last.at() - first.at()) / 1000.0);
    }

    /** Ms from the start of phase {@code i} until live frames came at full size again (-1: never). */
    synchronized long fullQualityAfter(int i, int width, int height) {
        long[] span = span(i);
        return ticks.stream().filter(t -> t.at() >= span[0] && t.rung() == 0).findFirst()
                .flatMap(t -> parts.stream().filter(p -> p.receivedAt() >= t.at() && p.width() == width && p.height() == height).findFirst())
                .map(p -> p.receivedAt() - span[0]).orElse(-1L);
    }

    private static long percentile(List<Long> sorted, double p) {
        return sorted.isEmpty() ? -1 : Benchmark.percentile(sorted, p);
    }

    /** Live frame age, rung and link (rate, estimate, acknowledged) over the run, as a PNG. */
    synchronized void plot(Path png, String title) throws IOException {
        int w = 1400;
        int h = 820;
        int left = 70;
        int right = w - 20;
        BufferedImage image = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.BLACK);
        g.drawString(title, left, 20);
        double end = ticks.isEmpty() ? 1 : ticks.get(ticks.size() - 1).at();
        int[][] panels = {{40, 300}, {330, 470}, {500, 790}};
        double ageMax = Math.max(1000, parts.stream().mapToLong(p -> p.receivedAt() - p.captureTime()).max().orElse(0));
        double rateMax = Math.max(profile.stream().mapToDouble(Phase::mbit).max().orElse(1),
                ticks.stream().mapToDouble(Tick::estimateMbit).max().orElse(1)) * 1.1;
        String[] labels = {"live frame age (ms)", "rung (0 = full)", "Mbit/s: link (grey), estimate (blue), acknowledged (green)"};
        double rungMax = Math.max(1, ticks.stream().mapToInt(Tick::rung).max().orElse(1));
        double[] maxima = {ageMax, rungMax, rateMax};
        for (int p = 0; p < panels.length; p++) {
            g.setColor(new Color(235, 235, 235));
            g.fillRect(left, panels[p][0], right - left, panels[p][1] - panels[p][0]);
            g.setColor(Color.DARK_GRAY);
            g.drawString(labels[p], left + 5, panels[p][0] + 14);
            g.drawString(String.format(Locale.ROOT, "%.0f", maxima[p]), 5, panels[p][0] + 12);
            g.drawString("0", 5, panels[p][1]);
        }
        for (long s = 0; s <= end; s += 10_000) {
            int x = (int) (left + (right - left) * s / end);
            g.setColor(Color.GRAY);
            g.drawString(s / 1000 + " s", x - 10, h - 10);
        }
        g.setColor(new Color(200, 60, 40));
        for (LiveParts.Part part : parts) {
            int x = (int) (left + (right - left) * part.receivedAt() / end);
            double age = part.receivedAt() - part.captureTime();
            int y = (int) (panels[0][1] - (panels[0][1] - panels[0][0]) * Math.min(1, age / ageMax));
            g.fillRect(x, y, 2, 2);
        }
        g.setStroke(new BasicStroke(2));
        Tick previous = null;
        for (Tick t : ticks) {
            if (previous != null) {
                int x0 = (int) (left + (right - left) * previous.at() / end);
                int x1 = (int) (left + (right - left) * t.at() / end);
                line(g, Color.BLACK, x0, x1, panels[1], previous.rung() / rungMax, t.rung() / rungMax);
                line(g, Color.GRAY, x0, x1, panels[2], previous.linkMbit() / rateMax, t.linkMbit() / rateMax);
                line(g, new Color(40, 90, 200), x0, x1, panels[2], previous.estimateMbit() / rateMax, t.estimateMbit() / rateMax);
                double seconds = (t.at() - previous.at()) / 1000.0;
                double acknowledged = (t.acknowledgedBytes() - previous.acknowledgedBytes()) * 8 / 1e6 / seconds;
                line(g, new Color(40, 160, 60), x0, x1, panels[2], acknowledged / rateMax, acknowledged / rateMax);
            }
            previous = t;
        }
        g.dispose();
        ImageIO.write(image, "png", png.toFile());
    }

    private static void line(Graphics2D g, Color color, int x0, int x1, int[] panel, double v0, double v1) {
        g.setColor(color);
        int height = panel[1] - panel[0];
        g.drawLine(x0, (int) (panel[1] - height * Math.min(1, v0)), x1, (int) (panel[1] - height * Math.min(1, v1)));
    }
}
