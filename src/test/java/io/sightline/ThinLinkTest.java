package io.sightline;

import io.sightline.faults.VethNamespace;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * The live lane adapts to a thin uplink and the archive lane keeps everything (issue 14): 8 Mbit/s, then
 * 1 Mbit/s, then 2, then 8 until the archive has drained, 100 ms round trip, through a real kernel queue
 * ({@link ThinLinkRun}). Asserts what happened, not how fast: live frames kept coming, reduced while the link
 * was thin; at the end every captured frame is in its segment exactly once at full quality and the spool is
 * empty. The times are the benchmark's (bin/bench, "thin link").
 */
class ThinLinkTest {

    private static final int ID = (int) (ProcessHandle.current().pid() % 200) + 30;

    @TempDir
    Path dir;

    @Test
    void liveAdaptsToAThinLinkAndTheRecordingGetsEveryFrameAtFullQuality() throws Exception {
        String unavailable = VethNamespace.unavailable();
        assumeThat(unavailable).as(unavailable + "; skipped").isNull();
        ThinLinkRun run = ThinLinkRun.run(dir, ID, List.of(new ThinLinkRun.Phase(8, 10), new ThinLinkRun.Phase(1, 20),
                new ThinLinkRun.Phase(2, 10), new ThinLinkRun.Phase(8, 5)), 0, Duration.ofMinutes(3));

        for (int i = 0; i < run.profile.size(); i++) {
            ThinLinkRun.PhaseFigures f = run.figures(i);
            System.out.printf("FIGURE thin link phase %d (%.0f Mbit/s): live age p50 %d / p95 %d / p99 %d ms, %.1f fps,"
                            + " smallest %dx%d, acknowledged %.2f Mbit/s (%.0f %%), estimate within 20 %% after %d ms, high %.2fx%n",
                    i, f.phase().mbit(), f.liveAgeP50(), f.liveAgeP95(), f.liveAgeP99(), f.liveFps(), f.smallestWidth(),
                    f.smallestHeight(), f.acknowledgedMbit(), 100 * f.shareOfBottleneck(), f.adaptMillis(), f.estimateHigh());
            assertThat(f.liveFps()).as("live frames came in phase %d", i).isPositive();
        }
        long[] thin = run.span(1);
        assertThat(run.ticks).as("the live lane went down the ladder on 1 Mbit/s")
                .anySatisfy(t -> assertThat(t.at() >= thin[0] && t.at() < thin[1] && t.rung() > 0).isTrue());
        assertThat(run.parts).as("and the live view showed reduced frames (their full copies came later, by the archive)")
                .anySatisfy(p -> assertThat(p.receivedAt() >= thin[0] && p.receivedAt() < thin[1] && p.width() < 640).isTrue());
        assertThat(run.fullQualityAfter(3, 640, 480)).as("full quality came back at 8 Mbit/s").isNotNegative();

        assertThat(run.spoolDropped).as("the spool drained (the run waits for it), dropping nothing").isZero();
        assertThat(run.acknowledgedFull).as("each frame acknowledged once at full quality").isEqualTo(run.captured);
        assertThat(run.acknowledgedReduced).as("reduced live copies are acknowledged, counted apart").isPositive();
        LinkFaultsTest.assertExactlyOnce(run.data, ThinLinkRun.DEVICE, run.captured);
        for (Path sidecar : Segments.sidecars(run.data, ThinLinkRun.DEVICE)) {
            assertThat(Segments.read(sidecar).get("frames")).as(sidecar + ": every frame at full quality")
                    .allSatisfy(frame -> assertThat(frame.get("quality").asText()).isEqualTo("full"));
            assertThat(Segments.read(sidecar).get("width").asInt()).isEqualTo(640);
        }
    }
}
