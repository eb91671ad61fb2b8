package io.sightline.delivery;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.sightline.monitor.SightlineMetrics;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The live lane's decisions, frame by frame, against a link estimate held at a given rate. */
class LiveLaneTest {

    private static final Ladder LADDER = Ladder.parse(new Ladder.Rung(640, 480, 20, 80),
            "640x480@20/60,480x360@20/50,320x240@20/50,320x240@10/40,320x240@5/35");
    private static final byte[] FULL = new byte[25_000];
    private static final Object IMAGE = new Object();

    private final long[] now = {0};

    private LiveLane lane(double bps, LiveLane.Policy policy) {
        return lane(new LinkEstimate(bps, bps, bps, () -> now[0]), policy);
    }

    private LiveLane lane(LinkEstimate link, LiveLane.Policy policy) {
        return new LiveLane(LADDER, policy, 0.85, 100, 0, false, link, () -> now[0],
                new SightlineMetrics(new SimpleMeterRegistry()), "cam");
    }

    /**
     * The archive lane's turn: a full-quality frame larger than a thin link's whole window still goes while only
     * the live lane's own round trip is in flight, the next waits for the pace (what live leaves), and a full
     * window refuses it, which rolls the spool file back for the next poll.
     */
    @Test
    void theArchiveLaneGoesWithWhatLiveLeavesAndStepsAsideWhenTheLinkIsFull() throws Exception {
        LinkEstimate link = new LinkEstimate(1_000_000, 1_000_000, 1_000_000, () -> now[0]);
        LiveLane lane = lane(link, LiveLane.Policy.ADAPTIVE);
        assertThat(lane.archiveBps()).as("nothing sent live: the whole estimate").isEqualTo(1_000_000);
        feed(lane, 40); // live settles on a rung that fits 1 Mbit/s
        lane.awaitArchiveTurn(FULL, 0);
        assertThat(lane.archiveBps()).as("what live leaves of the estimate").isLessThan(1_000_000).isPositive();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> lane.awaitArchiveTurn(FULL, 0))
                .as("the next frame waits for the pace").isInstanceOf(LiveLane.ArchiveLaneBusyException.class);
        now[0] += (long) (FULL.length * 8e9 / lane.archiveBps()) + 1;
        LinkEstimate.Sent inFlight = link.sending(100_000); // the link is full
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> lane.awaitArchiveTurn(FULL, 0))
                .isInstanceOf(LiveLane.ArchiveLaneBusyException.class);
        link.acknowledged(inFlight);
        lane.awaitArchiveTurn(FULL, 0);
    }

    /**
     * The pace is what the lane may use now, not when the last frame went: a frame sent while the estimate was
     * low (1.5 s to the next at that pace) does not hold the next one back once the estimate is up again - on a
     * lossy thin link the estimate dips for a moment every few seconds, and the link stood idle for seconds.
     */
    @Test
    void theArchivePaceFollowsTheEstimateBackUpAfterADip() throws Exception {
        double[] estimate = {250_000};
        LinkEstimate link = new LinkEstimate(estimate[0], 200_000, 10_000_000, () -> now[0]) {
            @Override
            public synchronized double bps() {
                return estimate[0]; // the dip and its end, as the estimate's own law makes them on a lossy link
            }
        };
        LiveLane lane = lane(link, LiveLane.Policy.ADAPTIVE);
        feed(lane, 40);
        lane.awaitArchiveTurn(FULL, 0);
        assertThat(FULL.length * 8 / lane.archiveBps()).as("seconds to the next frame at the dip's pace").isGreaterThan(1.0);
        estimate[0] = 4_000_000;
        feed(lane, 10); // half a second
        lane.awaitArchiveTurn(FULL, 0);
    }

    /**
     * After the rate fell the requests in flight queue for seconds, past their time, and count as held up behind
     * a lost packet: the archive lane waits while they drain, so live frames do not wait behind a queue it keeps
     * full. With nothing left in flight it goes on (a sender whose live frames have ended must not wait forever).
     */
    @Test
    void theArchiveLaneWaitsWhileWhatAStallLeftDrains() throws Exception {
        LinkEstimate link = new LinkEstimate(8_000_000, 200_000, 100_000_000, () -> now[0]);
        LiveLane lane = lane(link, LiveLane.Policy.ADAPTIVE);
        for (int i = 0; i < 20; i++) { // 25 kB take 80 ms
            LinkEstimate.Sent s = link.sending(25_000);
            now[0] += 80_000_000L;
            link.acknowledged(s);
        }
        LinkEstimate.Sent first = link.sending(25_000);
        LinkEstimate.Sent second = link.sending(25_000);
        for (int i = 0; i < 24; i++) { // 1.2 s without an answer: a stall
            now[0] += 50_000_000L;
            link.bps();
        }
        link.acknowledged(first);
        assertThat(link.draining()).isTrue();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> lane.awaitArchiveTurn(FULL, 0))
                .as("the other request the stall held is still in its queue")
                .isInstanceOf(LiveLane.ArchiveLaneBusyException.class);
        link.acknowledged(second); // late too: the stall is not over, but nothing is left to drain
        assertThat(link.draining()).isFalse();
        lane.awaitArchiveTurn(FULL, 0);
    }

    /** Plans {@code frames} frames at 20 fps; reduced copies are a share of the full size by pixels and quality. */
    private List<LiveLane.Plan> feed(LiveLane lane, int frames) {
        List<LiveLane.Plan> plans = new ArrayList<>();
        for (int i = 0; i < frames; i++) {
            LiveLane.Plan plan = lane.plan(FULL, IMAGE);
            if (plan.live() && plan.rung() > 0) {
                Ladder.Rung r = LADDER.get(plan.rung());
                lane.encoded(plan, new byte[(int) (FULL.length * (r.width() * r.height() / (640.0 * 480)) * r.quality() / 80)]);
            }
            plans.add(plan);
            now[0] += 50_000_000L;
        }
        return plans;
    }

    @Test
    void aFastLinkCarriesEveryFrameLiveAtFullQualityAndArchivesNothing() {
        List<LiveLane.Plan> plans = feed(lane(20_000_000, LiveLane.Policy.ADAPTIVE), 100);
        assertThat(plans).allSatisfy(p -> assertThat(p).isEqualTo(new LiveLane.Plan(0, true, false)));
    }

    @Test
    void aThinLinkGetsTheBestRungThatFitsAndEveryReducedFrameIsArchived() {
        LiveLane lane = lane(1_000_000, LiveLane.Policy.ADAPTIVE);
        List<LiveLane.Plan> plans = feed(lane, 100).subList(20, 100);
        // 0.85 Mbit/s: 320x240 at q50 and 20 fps (about 0.63 Mbit/s) fits, 480x360 (about 1.4) does not
        assertThat(plans).extracting(LiveLane.Plan::rung).containsOnly(3);
        assertThat(plans).filteredOn(LiveLane.Plan::live).hasSizeGreaterThan(70);
        assertThat(plans).allSatisfy(p -> assertThat(p.archive()).isTrue());
        assertThat(plans.get(0).quality()).isEqualTo("reduced");
    }

    @Test
    void aLowerRungSendsFewerFramesAndWhatIsInFlightHoldsBackTheRest() {
        LiveLane slow = lane(300_000, LiveLane.Policy.ADAPTIVE);
        List<LiveLane.Plan> plans = feed(slow, 200).subList(40, 200);
        assertThat(plans).extracting(LiveLane.Plan::rung).containsOnly(4); // 320x240 at 10 fps
        assertThat(plans.stream().filter(LiveLane.Plan::live).count()).isBetween(70L, 80L);

        LiveLane busy = lane(1_000_000, LiveLane.Policy.ADAPTIVE);
        feed(busy, 40);
        busy.link().sending(200_000); // a backlog in flight: nothing more fits the link's round trip
        assertThat(feed(busy, 20)).allSatisfy(p -> assertThat(p.live()).isFalse()).allSatisfy(p -> assertThat(p.archive()).isTrue());
    }

    @Test
    void thePoliciesFullOnlyAndLiveOnly() {
        assertThat(feed(lane(300_000, LiveLane.Policy.FULL_ONLY), 50))
                .allSatisfy(p -> assertThat(p).isEqualTo(new LiveLane.Plan(0, true, false)));
        assertThat(feed(lane(1_000_000, LiveLane.Policy.LIVE_ONLY), 50)).allSatisfy(p -> assertThat(p.archive()).isFalse());
        assertThat(LiveLane.Policy.parse("full-only")).isEqualTo(LiveLane.Policy.FULL_ONLY);
    }

    @Test
    void aPreRollFrameWithoutItsImageGoesLiveOnlyAtFullQuality() {
        LiveLane lane = lane(1_000_000, LiveLane.Policy.ADAPTIVE);
        feed(lane, 40);
        LiveLane.Plan preRoll = lane.plan(FULL, null);
        assertThat(preRoll.live()).isFalse();
        assertThat(preRoll.archive()).isTrue();
    }

    @Test
    void theLadderIsParsedBestFirstAndRungsAboveTheCaptureAreRefused() {
        assertThat(LADDER.size()).isEqualTo(6);
        assertThat(LADDER.get(3).describe()).isEqualTo("320x240@20/50");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> Ladder.parse(new Ladder.Rung(640, 480, 20, 80), "320x240@20/50,640x480@20/50"))
                .hasMessageContaining("must be below");
    }
}
