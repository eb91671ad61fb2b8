package io.sightline.delivery;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.withinPercentage;

/**
 * The control law against a simulated bottleneck (a FIFO queue of a given rate behind 100 ms of round trip) in
 * simulated time: a sender that always has something to send (live frames and an archive backlog) sends
 * whenever what is in flight fits the estimate times the round trip, paced at the estimate. The estimate must
 * follow the link down fast and up gently.
 */
class LinkEstimateTest {

    private static final long MS = 1_000_000L;

    /** Simulated time, a bottleneck and a backlogged sender; records the estimate every 100 ms. */
    private static final class Link {
        long now;
        double rateBps;
        long busyUntil;
        final LinkEstimate estimate;
        final PriorityQueue<long[]> acks = new PriorityQueue<>((a, b) -> Long.compare(a[0], b[0]));
        final List<LinkEstimate.Sent> sent = new ArrayList<>();
        long nextSend;
        /** Every {@code bigEvery}-th request is {@code bigBytes} (a full-quality archive frame), the others 25 kB. */
        int bigEvery = Integer.MAX_VALUE;
        int bigBytes;
        /** Each way the path takes 50 ms, and up to {@code jitterMs} more or less (seeded: the same every run). */
        long jitterMs;
        final Random random = new Random(14);
        /** Every {@code lateEvery}-th answer comes {@code lateMs} late: a lost packet's retransmission timeout. */
        int lateEvery = Integer.MAX_VALUE;
        long lateMs;

        Link() {
            this(2_000_000);
        }

        Link(double initialBps) {
            estimate = new LinkEstimate(initialBps, 200_000, 100_000_000, () -> now);
        }

        /** Runs until {@code untilMs}, with the link at {@code mbps}; returns the estimate at each 100 ms, Mbit/s. */
        List<Double> run(double mbps, long untilMs) {
            rateBps = mbps * 1e6;
            List<Double> trace = new ArrayList<>();
            long nextTrace = now;
            while (now < untilMs * MS) {
                while (!acks.isEmpty() && acks.peek()[0] <= now) {
                    estimate.acknowledged(sent.get((int) acks.poll()[1]));
                }
                double bps = estimate.bps();
                long window = (long) (bps / 8 * Math.max(0.1, estimate.minLatencyNanos() / 1e9 + 0.05));
                int bytes = sent.size() % bigEvery == bigEvery - 1 ? bigBytes : 25_000;
                if (now >= nextSend && estimate.inFlightBytes() + bytes <= Math.max(window, 2 * bytes)) {
                    LinkEstimate.Sent s = estimate.sending(bytes);
                    sent.add(s);
                    long arrive = now + oneWay();
                    long start = Math.max(arrive, busyUntil);
                    busyUntil = start + (long) (bytes * 8e9 / rateBps);
                    long late = sent.size() % lateEvery == 0 ? lateMs * MS : 0;
                    acks.add(new long[] {busyUntil + oneWay() + late, sent.size() - 1});
                    nextSend = now + (long) (bytes * 8e9 / bps);
                }
                if (now >= nextTrace) {
                    trace.add(bps / 1e6);
                    nextTrace += 100 * MS;
                }
                now += MS;
            }
            return trace;
        }

        private long oneWay() {
            return 50 * MS + (jitterMs == 0 ? 0 : (long) ((random.nextDouble() * 2 - 1) * jitterMs * MS));
        }
    }

    @Test
    void followsTheLinkDownFastAndUpGently() {
        Link link = new Link();
        List<Double> eight = link.run(8, 40_000);
        System.out.println("ESTIMATE 8 Mbit/s " + summary(eight));
        steady(eight.subList(250, 400), 8);

        List<Double> one = link.run(1, 100_000);
        System.out.println("ESTIMATE 1 Mbit/s " + summary(one));
        assertThat(one.get(30)).as("3 s after the drop to 1 Mbit/s").isLessThanOrEqualTo(1.3);
        steady(one.subList(100, one.size()), 1);

        List<Double> two = link.run(2, 130_000);
        System.out.println("ESTIMATE 2 Mbit/s " + summary(two));
        steady(two.subList(150, two.size()), 2);

        List<Double> back = link.run(8, 160_000);
        System.out.println("ESTIMATE 8 Mbit/s again " + summary(back));
        assertThat(back.get(200)).as("20 s after the rate came back").isGreaterThanOrEqualTo(5.5);
    }

    /** Settled on the link's rate: each 5 s on average within 20 % of it, never off by more than half. */
    private static void steady(List<Double> trace, double mbps) {
        for (int i = 0; i + 50 <= trace.size(); i += 50) {
            double mean = trace.subList(i, i + 50).stream().mapToDouble(d -> d).average().orElse(0);
            assertThat(mean).as("mean of 5 s at %s Mbit/s", mbps).isBetween(0.8 * mbps, 1.2 * mbps);
        }
        assertThat(trace).as("at %s Mbit/s", mbps).allSatisfy(m -> assertThat(m).isBetween(0.6 * mbps, 1.5 * mbps));
    }

    /** Min / mean / max of each 5 s of a trace of 100 ms samples. */
    private static String summary(List<Double> trace) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < trace.size(); i += 50) {
            List<Double> part = trace.subList(i, Math.min(trace.size(), i + 50));
            out.append(String.format("| %d s: %.2f/%.2f/%.2f ", i / 10, part.stream().mapToDouble(d -> d).min().orElse(0),
                    part.stream().mapToDouble(d -> d).average().orElse(0), part.stream().mapToDouble(d -> d).max().orElse(0)));
        }
        return out.toString();
    }

    @Test
    void aLargeRequestAmongSmallOnesIsNoQueue() {
        Link link = new Link();
        link.bigEvery = 4;
        link.bigBytes = 250_000; // a quarter of a second at 8 Mbit/s
        List<Double> eight = link.run(8, 40_000);
        System.out.println("ESTIMATE 8 Mbit/s, mixed sizes " + summary(eight));
        steady(eight.subList(250, 400), 8);
    }

    /**
     * A sender paced at a low estimate on a wide link (an archive lane after the link was slow) sees few answers
     * in half a second; with jitter and loss one of them is often late. A late answer is no queue: the estimate
     * keeps growing.
     */
    @Test
    void aSparseSenderOnAWideLossyLinkIsNotHeldDownByLateAnswers() {
        Link link = new Link(300_000);
        link.jitterMs = 20;
        link.lateEvery = 8;
        link.lateMs = 200;
        List<Double> wide = link.run(50, 40_000);
        System.out.println("ESTIMATE 50 Mbit/s, from 0.3, sparse, jitter and late answers " + summary(wide));
        assertThat(wide.get(300)).as("30 s on").isGreaterThanOrEqualTo(5.0);
    }

    /** A link that suddenly carries almost nothing shows in the requests still waiting, before any answer. */
    @Test
    void aStalledRequestBacksOffBeforeItIsAnswered() {
        long[] now = {0};
        LinkEstimate estimate = new LinkEstimate(8_000_000, 200_000, 100_000_000, () -> now[0]);
        answeredInTime(estimate, now, 20); // a fast path
        double before = estimate.bps();
        estimate.sending(25_000);
        now[0] += 300 * MS;
        assertThat(estimate.bps()).as("waiting 300 ms: a TCP retransmission, no stall yet").isEqualTo(before);
        LinkEstimate.Sent other = estimate.sending(25_000);
        now[0] += 80 * MS;
        estimate.acknowledged(other); // on another connection, in its usual time
        now[0] += 320 * MS;
        assertThat(estimate.bps()).as("waiting 700 ms while another was answered 320 ms ago: a lost packet").isEqualTo(before);
        now[0] += 300 * MS;
        assertThat(estimate.bps()).as("waiting 1 s, nothing answered for 700 ms: stalled").isLessThan(before);
        estimate.settled(estimate.sending(1_000));
        assertThat(estimate.inFlightBytes()).as("settled without an answer: failed, no longer in flight").isEqualTo(25_000);
    }

    @Test
    void aStallsCutIsCorrectedByWhatTheLinkCarriesWhileItsQueueDrains() {
        long[] now = {0};
        LinkEstimate estimate = new LinkEstimate(8_000_000, 200_000, 100_000_000, () -> now[0]);
        answeredInTime(estimate, now, 20);
        // the rate falls to 1 Mbit/s with eight requests in flight: the link carries them all at once (parallel
        // connections share it, the tbf queue overflows and TCP retransmits), so no answer comes for 1.2 s, then
        // all eight within half a second - 200 kB in 1.7 s
        List<LinkEstimate.Sent> backlog = sending(estimate, 8, 25_000);
        advance(estimate, now, 1200);
        double cut = estimate.bps();
        for (LinkEstimate.Sent s : backlog) {
            now[0] += 60 * MS;
            estimate.bps();
            estimate.acknowledged(s);
        }
        LinkEstimate.Sent drained = estimate.sending(25_000);
        now[0] += 80 * MS;
        estimate.acknowledged(drained); // in its usual time: the queue has drained
        assertThat(cut).as("cut in the stall, before any answer").isLessThan(1_000_000);
        assertThat(estimate.bps()).as("back to what the link carried in the stall, from %.0f; the burst of answers"
                + " at its end (200 kB in half a second) is not the link's rate", cut).isBetween(0.7 * 1_000_000, 1.0 * 1_000_000);
    }

    /**
     * After the stall every {@code heldEvery}-th answer comes a fast retransmission late (110 ms): on a lossy
     * link that is no queue, and does not end the fast probe. {@code Integer.MAX_VALUE}: no loss.
     */
    @ParameterizedTest
    @ValueSource(ints = {Integer.MAX_VALUE, 3})
    void aStallThatEndsWithoutAQueueWasALostPacketAndTheEstimateReturnsFast(int heldEvery) {
        long[] now = {0};
        LinkEstimate estimate = new LinkEstimate(3_000_000, 200_000, 100_000_000, () -> now[0]);
        answeredInTime(estimate, now, 20);
        double before = estimate.bps();
        LinkEstimate.Sent lost = estimate.sending(25_000);
        advance(estimate, now, 1200); // the only request in flight waits for a retransmission timeout
        double cut = estimate.bps();
        estimate.acknowledged(lost);
        for (int i = 1; i <= 30; i++) { // about 3 s, the path's own time (80 ms) or a retransmission more
            LinkEstimate.Sent s = estimate.sending(25_000);
            now[0] += (i % heldEvery == 0 ? 190 : 80) * MS;
            estimate.acknowledged(s);
        }
        assertThat(cut).as("cut while it stalled").isLessThan(0.5 * before);
        assertThat(estimate.bps()).as("3 s after, from %.0f", cut).isGreaterThanOrEqualTo(0.8 * before);
    }

    /**
     * A retransmission timeout early on a lossy link: nothing is answered for 1.2 s, then a request sent after the
     * stall is answered in its usual time, and the six the stall held back come late together (behind the lost
     * packet). They are no queue: the fast probe goes on, as without them.
     */
    @Test
    void theAnswersAStallHeldBackDoNotEndTheFastProbe() {
        long[] now = {0};
        LinkEstimate estimate = new LinkEstimate(3_000_000, 200_000, 100_000_000, () -> now[0]);
        answeredInTime(estimate, now, 20);
        double before = estimate.bps();
        List<LinkEstimate.Sent> held = sending(estimate, 6, 25_000);
        advance(estimate, now, 1200);
        double cut = estimate.bps();
        answeredInTime(estimate, now, 1);
        for (LinkEstimate.Sent s : held) {
            now[0] += 20 * MS;
            estimate.acknowledged(s);
        }
        answeredInTime(estimate, now, 30); // about 2.5 s in the path's own time
        assertThat(cut).as("cut while it stalled").isLessThan(0.5 * before);
        assertThat(estimate.bps()).as("2.5 s after, from %.0f", cut).isGreaterThanOrEqualTo(0.8 * before);
    }

    /**
     * A back-off cuts by half at most (what was acknowledged may be low only because little was sent), also in
     * the quarter second it holds: a queue above the back-off's threshold is not a forming queue that brings the
     * estimate down to what was acknowledged meanwhile. Requests that filled the path, held up together for
     * 600 ms by a lost packet in the first second of a lossy link, took 20 Mbit/s to 2.9 that way.
     */
    @Test
    void aBackOffCutsByHalfAtMostAlsoWhileItHolds() {
        long[] now = {0};
        LinkEstimate estimate = new LinkEstimate(20_000_000, 200_000, 100_000_000, () -> now[0]);
        answeredInTime(estimate, now, 20);
        // 250 kB: more than the path holds at 20 Mbit/s, so their rate samples count
        List<LinkEstimate.Sent> held = sending(estimate, 10, 25_000);
        now[0] += 600 * MS;
        held.forEach(estimate::acknowledged);
        assertThat(estimate.queueDelayNanos()).as("a queue above the threshold").isGreaterThan(LinkEstimate.QUEUE_HIGH_NANOS);
        double cut = estimate.bps();
        advance(estimate, now, 200);
        assertThat(cut).as("backed off by half").isEqualTo(10_000_000);
        assertThat(estimate.bps()).as("and no further while the back-off holds").isEqualTo(cut);
    }

    /**
     * After the rate fell the live lane sends smaller frames, a size not seen before. Their first answers, which
     * waited in the queue the fall left, are a queue: a request takes no longer than a larger one - at the same
     * rate, so after a size's first 2 s only its own answers count. (Taken as their
     * size's own time, they read as no queue, ended the correction of the stall's cut and started the fast probe
     * while the queue was still there: 1.58 x a 1 Mbit/s link.)
     */
    @Test
    void theFirstAnswersOfANewSizeAreMeasuredAgainstLargerOnes() {
        long[] now = {0};
        LinkEstimate estimate = new LinkEstimate(8_000_000, 200_000, 100_000_000, () -> now[0]);
        answeredInTime(estimate, now, 20); // 25 kB take 80 ms
        List<LinkEstimate.Sent> small = sending(estimate, 3, 5_000);
        now[0] += 600 * MS;
        small.forEach(estimate::acknowledged);
        assertThat(estimate.queueDelayNanos()).as("5 kB answered in 600 ms, 25 kB in 80").isEqualTo(520 * MS);
        for (int i = 0; i < 30; i++) { // 3 s on, at the lower rate: 5 kB take 150 ms, longer than 25 kB did before
            LinkEstimate.Sent s = estimate.sending(5_000);
            now[0] += 150 * MS;
            estimate.acknowledged(s);
        }
        assertThat(estimate.queueDelayNanos()).as("after 2 s a size's own answers are its measure").isZero();
    }

    /**
     * While a queue forms the estimate comes down to what the link carries; on a lossy link the one sample of the
     * last half second that filled the path may be a retransmission late, and what the last second acknowledged
     * swings with whether a large frame's answer fell in it: the bytes acknowledged in the last two seconds bound
     * the cut (cut to the last second's, the estimate of a lossy 1 Mbit/s link fell from 0.97 to 0.63 Mbit/s).
     */
    @Test
    void inAFormingQueueNeitherOneLateSampleNorTheLastSecondIsWhatTheLinkCarries() {
        long[] now = {0};
        LinkEstimate estimate = new LinkEstimate(2_000_000, 200_000, 100_000_000, () -> now[0]);
        for (int i = 0; i < 27; i++) { // 30 kB take 80 ms; then a queue of 60 ms forms, one request at a time
            LinkEstimate.Sent s = estimate.sending(30_000);
            now[0] += (i < 20 ? 80 : 140) * MS;
            estimate.acknowledged(s);
        }
        double before = estimate.bps();
        LinkEstimate.Sent other = estimate.sending(30_000);
        LinkEstimate.Sent late = estimate.sending(30_000); // sent with the path full: its sample counts
        now[0] += 390 * MS; // a retransmission late: its sample says 30 kB in 390 ms, 0.62 Mbit/s
        estimate.acknowledged(late);
        estimate.acknowledged(other);
        assertThat(estimate.queueDelayNanos()).as("a queue forming").isBetween(30 * MS, 100 * MS);
        assertThat(estimate.bps()).as("from %.0f; as the late answer came, the last second had acknowledged 180 kB"
                + " (1.44 Mbit/s), the last two 480 kB", before).isLessThan(before).isCloseTo(1_920_000, withinPercentage(1));
    }

    /**
     * A request overtaken by one sent after it, and waiting well past its own time, waits for a retransmission: its
     * bytes no longer hold the path, so the lanes may send round it. One that is late but overtaken by none is queued.
     */
    @Test
    void aRequestHeldUpBehindALostPacketNoLongerOccupiesThePath() {
        long[] now = {0};
        LinkEstimate estimate = new LinkEstimate(8_000_000, 200_000, 100_000_000, () -> now[0]);
        answeredInTime(estimate, now, 20); // 25 kB take 80 ms
        LinkEstimate.Sent held = estimate.sending(25_000);
        LinkEstimate.Sent later = estimate.sending(25_000);
        now[0] += 80 * MS;
        estimate.acknowledged(later); // on another connection, first
        assertThat(estimate.pathBytes()).as("overtaken, in its usual time: may still be on the path").isEqualTo(25_000);
        now[0] += 200 * MS;
        assertThat(estimate.pathBytes()).as("overtaken and 200 ms past its time: behind a lost packet").isZero();
        assertThat(estimate.inFlightBytes()).isEqualTo(25_000);
        LinkEstimate.Sent queued = estimate.sending(25_000);
        now[0] += 400 * MS;
        assertThat(estimate.pathBytes()).as("late, overtaken by none: queued").isEqualTo(25_000);
        estimate.acknowledged(held);
        estimate.acknowledged(queued);
        assertThat(estimate.pathBytes()).isZero();
    }

    /** {@code count} requests of {@code bytes} sent at once. */
    private static List<LinkEstimate.Sent> sending(LinkEstimate estimate, int count, int bytes) {
        List<LinkEstimate.Sent> sent = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            sent.add(estimate.sending(bytes));
        }
        return sent;
    }

    /** {@code count} requests of 25 kB one after the other, each answered after 80 ms. */
    private static void answeredInTime(LinkEstimate estimate, long[] now, int count) {
        for (int i = 0; i < count; i++) {
            LinkEstimate.Sent s = estimate.sending(25_000);
            now[0] += 80 * MS;
            estimate.acknowledged(s);
        }
    }

    /** Lets {@code millis} pass, the estimate looked at every 50 ms as the sender does. */
    private static void advance(LinkEstimate estimate, long[] now, long millis) {
        for (long t = 0; t < millis; t += 50) {
            now[0] += 50 * MS;
            estimate.bps();
        }
    }

    @Test
    void failuresBackOffAtOnceAndTheEstimateStaysWithinItsBounds() {
        long[] now = {0};
        LinkEstimate estimate = new LinkEstimate(4_000_000, 500_000, 5_000_000, () -> now[0]);
        LinkEstimate.Sent s = estimate.sending(10_000);
        estimate.failed(s);
        assertThat(estimate.bps()).isEqualTo(0.85 * 4_000_000);
        assertThat(estimate.inFlightBytes()).isZero();
        for (int i = 0; i < 40; i++) {
            now[0] += 600 * MS;
            estimate.failed(estimate.sending(10_000));
        }
        assertThat(estimate.bps()).isEqualTo(500_000);
    }
}
