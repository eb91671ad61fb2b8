package io.sightline.delivery;

import io.micrometer.core.instrument.Counter;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.FrameHeaders;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;

import java.util.ArrayDeque;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * Decides, frame by frame, how the sender uses a link whose capacity changes: the <b>live lane</b> sends each
 * frame at the best rung of the {@link Ladder} whose bit rate fits {@code headroom} of the {@link LinkEstimate},
 * newest first - a frame that would have to wait behind others (what is in flight already fills the link for
 * {@code liveQueueMillis} beyond its round trip) is not sent live at all; the <b>archive lane</b> keeps every
 * frame whose live copy was reduced or skipped at full quality in the spool, and is let through only with the
 * capacity the live lane leaves, paced, never crowding out a live frame.
 * <p>
 * Policies: {@code adaptive} (the above), {@code full-only} (every frame live at full quality, the spool only for
 * what cannot be delivered: the behaviour before the ladder), {@code live-only} (the live lane without backfill:
 * reduced and skipped frames are not kept, for metered links).
 */
public class LiveLane {

    /** What happens to one frame: sent live at {@code rung} (or not), and kept for the archive (or not). */
    public record Plan(int rung, boolean live, boolean archive) {

        /** The frame's {@code Sightline-Quality}: the receiver keeps the best copy. */
        public String quality() {
            return rung == 0 ? FrameHeaders.FULL : FrameHeaders.REDUCED;
        }

        /**
         * Whether a live copy the receiver could not take goes to the spool: only a full-quality one the archive
         * does not hold already (a reduced copy is never kept: its full copy is, unless the policy is live-only).
         */
        public boolean spoolOnFailure() {
            return rung == 0 && !archive;
        }
    }

    public enum Policy { ADAPTIVE, FULL_ONLY, LIVE_ONLY;

        public static Policy parse(String name) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("sightline.live.policy must be adaptive, full-only or live-only, was '" + name + "'");
            }
        }
    }

    /** Weight of a new frame in a rung's average size. */
    private static final double SIZE_WEIGHT = 0.1;
    /** A rung above the current one is taken only when it fits this share of the budget, and not sooner than this. */
    private static final double UP_MARGIN = 0.9;
    private static final long UP_HOLD_NANOS = 1_000_000_000L;
    /** The archive lane's pace when the live lane leaves nothing: it keeps probing, slowly. */
    private static final double ARCHIVE_MIN_BPS = 64_000;
    /** What may be in flight is at most this many times the delivery rate's worth (see {@link #window()}). */
    private static final double WINDOW_GAIN = 1.5;
    /** The live lane's rate is what it sent in the last second. */
    private static final long LIVE_RATE_WINDOW_NANOS = 1_000_000_000L;

    private final Ladder ladder;
    private final Policy policy;
    private final double headroom;
    private final long liveQueueNanos;
    private final double archiveMaxBps;
    private final boolean blockWhenBusy;
    private final LinkEstimate link;
    private final LongSupplier nanos;
    private final double[] averageBytes;
    private final double[] credit;
    private int rung;
    private long lastChange;
    private final ArrayDeque<long[]> liveSent = new ArrayDeque<>();
    private long liveSentBytes;
    private long lastArchiveAt;
    private int lastArchiveBytes;
    private final Counter skipped;
    private final Counter[] sentAt;

    /**
     * @param blockWhenBusy the sender waits for a free HTTP sender instead of skipping (a video file processed as
     *                      fast as possible): live frames are not skipped for lack of room in flight
     */
    public LiveLane(Ladder ladder, Policy policy, double headroom, long liveQueueMillis, double archiveMaxBps,
                    boolean blockWhenBusy, LinkEstimate link, LongSupplier nanos, SightlineMetrics metrics, String device) {
        this.blockWhenBusy = blockWhenBusy;
        this.ladder = ladder;
        this.policy = policy;
        this.headroom = headroom;
        this.liveQueueNanos = liveQueueMillis * 1_000_000L;
        this.archiveMaxBps = archiveMaxBps;
        this.link = link;
        this.nanos = nanos;
        this.averageBytes = new double[ladder.size()];
        this.credit = new double[ladder.size()];
        this.lastChange = nanos.getAsLong();
        this.lastArchiveAt = lastChange;
        this.skipped = metrics.counter("live.skipped", "device", device);
        this.sentAt = new Counter[ladder.size()];
        for (int i = 0; i < ladder.size(); i++) {
            sentAt[i] = metrics.counter("live.frames", "device", device, "rung", String.valueOf(i));
        }
        metrics.gauge("live.rung", this, LiveLane::rung, "device", device);
        metrics.gauge("link.estimate.bps", link, LinkEstimate::bps, "device", device);
        metrics.gauge("link.in.flight.bytes", link, LinkEstimate::inFlightBytes, "device", device);
    }

    /**
     * Route step of {@code frames-queue}: what to do with this frame ({@code jpeg}: its full-quality JPEG;
     * {@code image}: the captured image a reduced copy is made from, absent for frames from an event's pre-roll,
     * which go live at full quality or not at all).
     */
    public synchronized Plan plan(@ExchangeProperty("jpeg") byte[] jpeg, @ExchangeProperty("image") Object image) {
        observe(0, jpeg.length);
        if (policy == Policy.FULL_ONLY) {
            return new Plan(0, true, false);
        }
        long now = nanos.getAsLong();
        choose(now);
        if (image == null && rung > 0) {
            skipped.increment();
            return new Plan(rung, false, policy == Policy.ADAPTIVE);
        }
        Ladder.Rung r = ladder.get(rung);
        credit[rung] += r.fps() / ladder.get(0).fps();
        boolean due = credit[rung] >= 1;
        if (due) {
            credit[rung] -= 1;
        }
        boolean room = blockWhenBusy || link.pathBytes() + expectedBytes(rung) <= window() + archiveAhead(now);
        boolean live = due && room;
        if (!live) {
            skipped.increment();
        } else {
            sentAt[rung].increment();
            countLive(now, (long) expectedBytes(rung));
        }
        return new Plan(rung, live, policy == Policy.ADAPTIVE && (!live || rung > 0));
    }

    /** Route step after a reduced copy is encoded: its size, for the rung's average. */
    public synchronized void encoded(@ExchangeProperty("live") Plan plan, @Body byte[] jpeg) {
        observe(plan.rung(), jpeg.length);
    }

    /** The archive lane's turn did not come in time: the spooled frame stays for a later poll. */
    public static class ArchiveLaneBusyException extends RuntimeException {
        ArchiveLaneBusyException() {
            super("the live lane leaves no room for the archive now", null, false, false);
        }
    }

    /**
     * Route step of {@code frames-replay} before a spooled frame goes: waits (up to {@code maxWaitMillis}) for the
     * archive lane's turn - the capacity the live lane leaves, at most {@code archiveMaxBps}; throws
     * {@link ArchiveLaneBusyException} (which rolls the spool file back) when it does not come.
     */
    public void awaitArchiveTurn(@Body byte[] jpeg, long maxWaitMillis) throws InterruptedException {
        long deadline = nanos.getAsLong() + maxWaitMillis * 1_000_000L;
        while (true) {
            long wait;
            synchronized (this) {
                long now = nanos.getAsLong();
                // room while it fits the window with what is in flight; on a thin link, where a full-quality frame
                // may be larger than the whole window, while no more than the live lane's own round trip is - and
                // not while what a stall left drains: its requests wait long past their time, so pathBytes counts
                // them as held up, and the lane kept a queue of 1.5 s full for seconds after the rate fell
                boolean room = !link.draining()
                        && link.pathBytes() + jpeg.length <= Math.max(window(), jpeg.length + liveReserve());
                // the pace since the last frame at what the lane may use now: a frame sent while the estimate was
                // low does not hold the next one back for long after it has come back up
                long due = lastArchiveAt + (long) (lastArchiveBytes * 8e9 / archiveBps());
                if (now >= due && room) {
                    lastArchiveAt = now;
                    lastArchiveBytes = jpeg.length;
                    return;
                }
                wait = Math.max(1, Math.min(due - now, 20_000_000L));
                if (now + wait > deadline) {
                    throw new ArchiveLaneBusyException();
                }
            }
            Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
        }
    }

    /**
     * Bits per second the archive lane may use now: what the live lane leaves of the estimate (the headroom is the
     * live lane's, so its rung does not change with every wobble; the archive lane adapts frame by frame). All of
     * it: the estimate counts acknowledged bytes, what is left of the link after headers and retransmissions, and
     * with a share of it traces showed the lanes carrying that share of its average, no more, the link idle meanwhile.
     */
    public synchronized double archiveBps() {
        double spare = Math.max(ARCHIVE_MIN_BPS, link.bps() - liveBps(nanos.getAsLong()));
        return archiveMaxBps > 0 ? Math.min(spare, archiveMaxBps) : spare;
    }

    /** The rung live frames go at now (0 = full quality). */
    public synchronized int rung() {
        return rung;
    }

    public Ladder ladder() {
        return ladder;
    }

    public LinkEstimate link() {
        return link;
    }

    /** Seconds the archive lane needs to send {@code bytes} at its current pace (to a tenth). */
    public double secondsToDrain(long bytes) {
        return Math.round(bytes * 80 / archiveBps()) / 10.0;
    }

    private void choose(long now) {
        double budget = headroom * link.bps();
        int best = ladder.size() - 1;
        for (int i = 0; i < ladder.size(); i++) {
            if (rate(i) <= budget) {
                best = i;
                break;
            }
        }
        if (best > rung) {
            rung = best; // down at once
            lastChange = now;
        } else if (best < rung && now - lastChange >= UP_HOLD_NANOS && rate(rung - 1) <= UP_MARGIN * budget) {
            rung--; // up one rung at a time, and only with room to spare
            lastChange = now;
        }
    }

    /** Bits per second rung {@code i} needs. */
    private double rate(int i) {
        return expectedBytes(i) * ladder.get(i).fps() * 8;
    }

    /** The average size of a frame at rung {@code i}; before one was seen, scaled from the full-quality size. */
    private double expectedBytes(int i) {
        if (averageBytes[i] > 0) {
            return averageBytes[i];
        }
        Ladder.Rung full = ladder.get(0);
        Ladder.Rung r = ladder.get(i);
        double pixels = (double) r.width() * r.height() / ((double) full.width() * full.height());
        return averageBytes[0] * pixels * r.quality() / full.quality();
    }

    private void observe(int i, int bytes) {
        averageBytes[i] = averageBytes[i] == 0 ? bytes : averageBytes[i] + SIZE_WEIGHT * (bytes - averageBytes[i]);
    }

    /**
     * What may be in flight at once: the path's round trip plus {@code liveQueueMillis} at the estimated rate, or at
     * {@link #WINDOW_GAIN} times the delivery rate if lower - so an estimate that has not seen the link fall yet
     * lets no more pile up than the link was carrying - and at least two frames of the current rung, so one
     * request does not wait for the answer to the last.
     */
    private double window() {
        double delivery = link.deliveryBps();
        double bps = delivery > 0 ? Math.min(link.bps(), WINDOW_GAIN * delivery) : link.bps();
        return Math.max(bps / 8 * roundTripSeconds(), 2 * expectedBytes(rung));
    }

    /**
     * A live frame may queue behind one archive frame (on a thin link a full-quality frame may take longer than
     * the whole window): it is delayed by that frame's transfer time, and is not skipped for it.
     */
    private double archiveAhead(long now) {
        return now - lastArchiveAt < LIVE_RATE_WINDOW_NANOS ? lastArchiveBytes : 0;
    }

    /** What the live lane keeps in flight of its own: its round trip at its rate, at least one frame. */
    private double liveReserve() {
        return Math.max(rate(rung) / 8 * roundTripSeconds(), expectedBytes(rung));
    }

    private double roundTripSeconds() {
        return (link.minLatencyNanos() + liveQueueNanos) / 1e9;
    }

    private void countLive(long now, long bytes) {
        liveSent.addLast(new long[] {now, bytes});
        liveSentBytes += bytes;
    }

    /** Bits per second the live lane sent in the last second. */
    private double liveBps(long now) {
        while (!liveSent.isEmpty() && now - liveSent.peekFirst()[0] > LIVE_RATE_WINDOW_NANOS) {
            liveSentBytes -= liveSent.pollFirst()[1];
        }
        return liveSentBytes * 8e9 / LIVE_RATE_WINDOW_NANOS;
    }
}
