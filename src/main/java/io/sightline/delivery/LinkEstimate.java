package io.sightline.delivery;

import org.apache.camel.Body;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;

/**
 * What the uplink carries now, from the sender's own acknowledgements - no probe traffic, nothing from the
 * receiver but its answers. The control law (docs/reliability.md, "Live on a thin link"):
 * <ul>
 *   <li><b>Delivery rate</b>: each acknowledgement is a BBR-style rate sample, the bytes acknowledged since the
 *   acknowledged request was sent divided by the time since the acknowledgement seen then; the delivery rate is
 *   the largest sample of the last {@link #RATE_WINDOW_NANOS}. It is what the link carried, not more. A sample of
 *   a request sent while less than the path's worth at the estimate was in flight is <i>app-limited</i>: it says
 *   how little there was to send, not how little the link carries.</li>
 *   <li><b>Queue delay</b>: a request's queue delay is its time to acknowledgement less the smallest of the last
 *   {@link #MIN_WINDOW_NANOS} for requests of its size (within {@link #SIZE_CLASS_RATIO}: the path's own round
 *   trip and transfer time, so a large frame among small ones is no queue) - in its first {@link #NEW_SIZE_NANOS}
 *   or larger ones' (a request of a size not seen before takes no longer than a larger one); the queue delay is the
 *   smallest of
 *   the last {@link #DELAY_WINDOW_NANOS}, and of the last {@link #QUEUED_ANSWERS} answers if that window holds
 *   fewer (none: no queue): how long every request now waits in a queue somewhere. The smallest, not the median:
 *   a request held up by a lost packet (TCP retransmits it) is no queue - nor is it when a sender with little to
 *   send has only that one answer in the window.</li>
 *   <li><b>Stall</b>: the oldest unanswered request has waited {@link #STALL_NANOS} longer than the path's own
 *   time for its size (more than a TCP retransmission costs), and nothing was answered for as long: the link
 *   carries (next to) nothing since a moment ago, and this shows before any answer does.</li>
 *   <li><b>Back off fast</b>: on a failed request, a stall, or a queue delay above {@link #QUEUE_HIGH_NANOS}, the
 *   estimate falls to {@link #BACKOFF} of what the link carries since it changed - the largest delivery rate
 *   sample of the last {@link #RECENT_RATE_NANOS} that was not app-limited, or the bytes acknowledged in the last
 *   {@link #THROUGHPUT_WINDOW_NANOS} if more (without either, or after a failure, of the estimate itself), but
 *   unless requests stall, to no less than {@link #DEEPEST_CUT} of the estimate (what was acknowledged may be
 *   low only because little was sent) - never up, at most once per {@link #BACKOFF_HOLD_NANOS}, so one queue is not counted twice
 *   (in between, a queue above the threshold changes nothing).</li>
 *   <li><b>Correct a stall's cut</b>: a cut made while nothing was answered is a guess. Until a request is
 *   answered without a queue, each back-off raises the estimate to {@link #BACKOFF} of what the link carried since
 *   its last answer before the stall, if more (at most the estimate before it): averaged over the stall, as the
 *   answers held back by a lost packet arrive together, faster than the link carries.</li>
 *   <li><b>Probe up gently</b>: while the queue delay stays under {@link #QUEUE_LOW_NANOS}, the estimate grows by
 *   {@link #PROBE_PER_SECOND} of itself per second (at least {@link #PROBE_MIN_BPS}), but never above
 *   {@link #PROBE_CEILING} times the delivery rate: it does not run away while the sender has little to send.
 *   After a stall that ended without a queue (a retransmission timeout looks the same as a rate that fell) by
 *   {@link #PROBE_AFTER_STALL_PER_SECOND} per second, up to the estimate before the stall, until
 *   {@link #QUEUED_ANSWERS} answers in a row to requests sent since then came after a queue delay of
 *   {@link #QUEUE_LOW_NANOS} or more (one answer held up by a lost packet's retransmission is no queue: on a lossy
 *   link one in a few is; nor are the answers the stall held back, which arrive late together).</li>
 * </ul>
 * Between the two thresholds a queue is forming: the estimate does not grow, and comes down to what the link carries
 * now, as for a back-off, if it is above it (the one sample of the last half second may be a retransmission late; not
 * while a stall's cut is being corrected: the answers that come then are the burst the stall held back) - or to the
 * bytes acknowledged in the last {@link #FORMING_THROUGHPUT_WINDOW_NANOS} if more: on a lossy link the last second's
 * bytes swing by a fifth with whether a large frame's answer fell in it. It stays within [{@code minBps},
 * {@code maxBps}].
 */
public class LinkEstimate {

    static final long RATE_WINDOW_NANOS = 2_000_000_000L;
    static final long RECENT_RATE_NANOS = 500_000_000L;
    static final long THROUGHPUT_WINDOW_NANOS = 1_000_000_000L;
    static final long FORMING_THROUGHPUT_WINDOW_NANOS = 2_000_000_000L;
    static final long DELAY_WINDOW_NANOS = 500_000_000L;
    static final long MIN_WINDOW_NANOS = 10_000_000_000L;
    static final long NEW_SIZE_NANOS = 2_000_000_000L;
    static final double SIZE_CLASS_RATIO = 1.2;
    static final long QUEUE_HIGH_NANOS = 100_000_000L;
    static final long QUEUE_LOW_NANOS = 30_000_000L;
    static final double BACKOFF = 0.85;
    static final double DEEPEST_CUT = 0.5;
    static final long STALL_NANOS = 500_000_000L;
    static final long HELD_UP_NANOS = 150_000_000L;
    static final long BACKOFF_HOLD_NANOS = 250_000_000L;
    static final double PROBE_PER_SECOND = 0.12;
    static final double PROBE_AFTER_STALL_PER_SECOND = 1.0;
    static final int QUEUED_ANSWERS = 3;
    static final double PROBE_MIN_BPS = 64_000;
    static final double PROBE_CEILING = 1.2;

    /**
     * When a request went out, with the acknowledged total and its time then, for its rate sample. Answered once:
     * an answer after a failure (or the reverse) counts nothing.
     */
    public static final class Sent {
        final long at;
        final long deliveredBefore;
        final long deliveredAtBefore;
        final int bytes;
        final boolean appLimited;
        private boolean answered;
        /** A request sent after it was answered first: it may wait for a retransmission (see {@link #pathBytes}). */
        private boolean overtaken;

        Sent(long at, long deliveredBefore, long deliveredAtBefore, int bytes, boolean appLimited) {
            this.at = at;
            this.deliveredBefore = deliveredBefore;
            this.deliveredAtBefore = deliveredAtBefore;
            this.bytes = bytes;
            this.appLimited = appLimited;
        }
    }

    /** A rate, delay or byte count at a moment. */
    private record Sample(long at, double value) {
    }

    private final double minBps;
    private final double maxBps;
    private final LongSupplier nanos;
    private double estimate;
    private long delivered;
    private long deliveredAt;
    private long inFlightBytes;
    private long lastUpdate;
    private long lastBackoff = Long.MIN_VALUE / 2;
    /** Since a stall cut, until a request is answered without a queue: the estimate is a guess (see update). */
    private boolean recovering;
    /** The last answer before the stall: its time and the bytes acknowledged then. */
    private long stallSince;
    private long deliveredBeforeStall;
    private double estimateBeforeStall;
    /** From the end of a stall until a queue forms: probing fast (see update); since when, and answers queued since. */
    private boolean probingAfterStall;
    private long probeSince;
    private int queuedInProbe;
    /** The queue delays of the last {@link #QUEUED_ANSWERS} answers (the oldest overwritten), and answers so far. */
    private final long[] lastQueueDelays = new long[QUEUED_ANSWERS];
    private long answers;
    // windows kept as monotonic deques (first element: the window's extreme) and a running sum: each step is
    // constant time however many requests a second go out
    private final ArrayDeque<Sample> maxRates = new ArrayDeque<>();
    private final ArrayDeque<Sample> maxRecentFullRates = new ArrayDeque<>();
    private final ArrayDeque<Sample> minQueueDelays = new ArrayDeque<>();
    private final Throughput lastSecond = new Throughput(THROUGHPUT_WINDOW_NANOS);
    private final Throughput lastSeconds = new Throughput(FORMING_THROUGHPUT_WINDOW_NANOS);
    private final Set<Sent> unanswered = new LinkedHashSet<>();
    private final Map<Integer, ArrayDeque<Sample>> minLatenciesBySize = new HashMap<>();
    /** When each size class was first answered since its window was last empty. */
    private final Map<Integer, Long> sizeSeenSince = new HashMap<>();
    private final ArrayDeque<Sample> minLatencies = new ArrayDeque<>();

    public LinkEstimate(double initialBps, double minBps, double maxBps, LongSupplier nanos) {
        this.minBps = minBps;
        this.maxBps = maxBps;
        this.nanos = nanos;
        this.estimate = Math.max(minBps, Math.min(maxBps, initialBps));
        this.lastUpdate = nanos.getAsLong();
        this.deliveredAt = lastUpdate;
    }

    /** A request of {@code bytes} goes out now; give the result back to {@link #acknowledged} or {@link #failed}. */
    public synchronized Sent sending(@Body byte[] body) {
        return sending(body.length);
    }

    synchronized Sent sending(int bytes) {
        // what is in flight then is less than the path holds at the estimate: its rate sample says how much the
        // sender had to send, not what the link carries
        boolean appLimited = inFlightBytes < estimate / 8 * minLatencyNanos() / 1e9;
        inFlightBytes += bytes;
        Sent sent = new Sent(nanos.getAsLong(), delivered, deliveredAt, bytes, appLimited);
        unanswered.add(sent);
        return sent;
    }

    /** The request was answered (any status: the link carried it). */
    public synchronized void acknowledged(Sent sent) {
        if (sent == null || sent.answered) {
            return;
        }
        sent.answered = true;
        for (Sent older : unanswered) { // in the order sent: those before it were overtaken
            if (older == sent) {
                break;
            }
            older.overtaken = true;
        }
        unanswered.remove(sent);
        long now = nanos.getAsLong();
        inFlightBytes -= sent.bytes;
        delivered += sent.bytes;
        deliveredAt = now;
        lastSecond.add(now, sent.bytes);
        lastSeconds.add(now, sent.bytes);
        long interval = now - sent.deliveredAtBefore;
        if (interval > 0) {
            double rate = (delivered - sent.deliveredBefore) * 8e9 / interval;
            addExtreme(maxRates, now, -rate, RATE_WINDOW_NANOS);
            if (!sent.appLimited) {
                addExtreme(maxRecentFullRates, now, -rate, RECENT_RATE_NANOS);
            }
        }
        long latency = now - sent.at;
        addExtreme(minLatencies, now, latency, MIN_WINDOW_NANOS);
        // compared with the best time of requests of its size: a large frame is no queue
        int size = sizeClass(sent.bytes);
        ArrayDeque<Sample> own = minLatenciesBySize.computeIfAbsent(size, k -> new ArrayDeque<>());
        prune(own, now, MIN_WINDOW_NANOS);
        if (own.isEmpty()) {
            sizeSeenSince.put(size, now);
        }
        addExtreme(own, now, latency, MIN_WINDOW_NANOS);
        // a size seen only for a moment is also measured against larger ones (see bestNanosUpTo); later its own
        // answers are its measure: at a lower rate a small frame may take longer than a large one did before
        long queue = latency - (now - sizeSeenSince.get(size) < NEW_SIZE_NANOS ? bestNanosUpTo(size, now)
                : (long) own.peekFirst().value());
        addExtreme(minQueueDelays, now, queue, DELAY_WINDOW_NANOS);
        lastQueueDelays[(int) (answers++ % QUEUED_ANSWERS)] = queue;
        if (queue < QUEUE_LOW_NANOS && recovering) {
            recovering = false; // what a stall left in flight has drained
            probingAfterStall = true;
            probeSince = now;
            queuedInProbe = 0;
        } else if (probingAfterStall && sent.at >= probeSince) {
            // a queue ends the fast probe, before the window shows it - seen by requests sent since it began: those
            // the stall held back arrive late together, behind the lost packet's retransmission, and are no queue
            queuedInProbe = queue >= QUEUE_LOW_NANOS ? queuedInProbe + 1 : 0;
            probingAfterStall = queuedInProbe < QUEUED_ANSWERS;
        }
        update(now, false);
    }

    /**
     * Route step after every request, however it ended: one that was not answered failed (a timeout, a refused
     * or broken connection, an open circuit). Nothing for a request already answered.
     */
    public synchronized void settled(Sent sent) {
        failed(sent);
    }

    /** No answer came. */
    synchronized void failed(Sent sent) {
        if (sent == null || sent.answered) {
            return;
        }
        sent.answered = true;
        unanswered.remove(sent);
        inFlightBytes -= sent.bytes;
        update(nanos.getAsLong(), true);
    }

    /** Bits per second the link is estimated to carry now. */
    public synchronized double bps() {
        update(nanos.getAsLong(), false);
        return estimate;
    }

    /**
     * Since a stall, until a request is answered without a queue, while anything is in flight: what the stall left
     * (a deep queue, or requests waiting for a retransmission timeout) is still draining. With nothing in flight
     * nothing drains - a sender whose live frames have ended goes on, one request at a time, until an answer
     * comes without a queue.
     */
    public synchronized boolean draining() {
        return recovering && inFlightBytes > 0;
    }

    /** Bytes sent and not yet answered. */
    public synchronized long inFlightBytes() {
        return inFlightBytes;
    }

    /**
     * Bytes in flight that occupy the path: less those of requests held up behind a lost packet - overtaken by a
     * request sent after them and waiting {@link #HELD_UP_NANOS} longer than the path's own time for their size
     * (more than any queue the estimate lets form). Their bytes wait in the sender for a retransmission, so the
     * link would stand idle if they counted.
     */
    public synchronized long pathBytes() {
        long now = nanos.getAsLong();
        long held = 0;
        for (Sent sent : unanswered) {
            if (sent.overtaken && now - sent.at - ownNanos(sent, now) > HELD_UP_NANOS) {
                held += sent.bytes;
            }
        }
        return inFlightBytes - held;
    }

    /** The largest delivery-rate sample of the last seconds (bits/s), 0 before the first acknowledgement. */
    public synchronized double deliveryBps() {
        prune(maxRates, nanos.getAsLong(), RATE_WINDOW_NANOS);
        return maxRates.isEmpty() ? 0 : -maxRates.peekFirst().value();
    }

    /**
     * The smallest queue delay (time to acknowledgement less the smallest of the last ten seconds for requests of
     * its size or larger) of the last half second, and of the last {@link #QUEUED_ANSWERS} answers if that had fewer; 0
     * without an answer in the last half second (an idle sender measures no queue).
     */
    public synchronized long queueDelayNanos() {
        prune(minQueueDelays, nanos.getAsLong(), DELAY_WINDOW_NANOS);
        return minQueueDelays.isEmpty() ? 0 : Math.min(smallestOfLastAnswers(), (long) minQueueDelays.peekFirst().value());
    }

    /** The smallest queue delay of the last {@link #QUEUED_ANSWERS} answers (of all, before there were as many). */
    private long smallestOfLastAnswers() {
        long smallest = Long.MAX_VALUE;
        for (int i = 0; i < Math.min(answers, QUEUED_ANSWERS); i++) {
            smallest = Math.min(smallest, lastQueueDelays[i]);
        }
        return smallest;
    }

    /**
     * How much longer than the path's own time for its size the oldest unanswered request has waited so far: a
     * link that suddenly carries much less shows here before any answer does.
     */
    private long waitingNanos(long now) {
        if (unanswered.isEmpty()) {
            return 0;
        }
        Sent oldest = unanswered.iterator().next();
        return (long) Math.max(0, now - oldest.at - ownNanos(oldest, now));
    }

    /** The path's own time (round trip and transfer) for a request of this size, from the best of its size class. */
    private double ownNanos(Sent sent, long now) {
        ArrayDeque<Sample> best = minLatenciesBySize.get(sizeClass(sent.bytes));
        if (best != null) {
            prune(best, now, MIN_WINDOW_NANOS);
        }
        prune(minLatencies, now, MIN_WINDOW_NANOS);
        return best != null && !best.isEmpty() ? best.peekFirst().value()
                : minLatencies.isEmpty() ? Double.MAX_VALUE : minLatencies.peekFirst().value() + sent.bytes * 8e9 / estimate;
    }

    /**
     * The best time to acknowledgement of the last ten seconds for requests of this size class or larger: a request
     * takes no longer than a larger one, so the first answers of a new size (a lower rung after the rate fell) are
     * not their size's own time however long they waited. Only for a size's first {@link #NEW_SIZE_NANOS}: the
     * larger ones' times may be from before the rate fell.
     */
    private long bestNanosUpTo(int size, long now) {
        long best = Long.MAX_VALUE;
        for (Map.Entry<Integer, ArrayDeque<Sample>> entry : minLatenciesBySize.entrySet()) {
            if (entry.getKey() >= size) {
                prune(entry.getValue(), now, MIN_WINDOW_NANOS);
                if (!entry.getValue().isEmpty()) {
                    best = Math.min(best, (long) entry.getValue().peekFirst().value());
                }
            }
        }
        return best;
    }

    /** Bytes acknowledged over a sliding window, as bits per second. */
    private static final class Throughput {
        private final long windowNanos;
        private final ArrayDeque<Sample> bytes = new ArrayDeque<>();
        private double sum;

        Throughput(long windowNanos) {
            this.windowNanos = windowNanos;
        }

        void add(long now, int acknowledged) {
            bytes.addLast(new Sample(now, acknowledged));
            sum += acknowledged;
            prune(now); // also when no one asks for the rate: the window stays its length
        }

        double bps(long now) {
            prune(now);
            return sum * 8e9 / windowNanos;
        }

        private void prune(long now) {
            while (!bytes.isEmpty() && now - bytes.peekFirst().at() > windowNanos) {
                sum -= bytes.pollFirst().value();
            }
        }
    }

    /** Requests within a {@link #SIZE_CLASS_RATIO} of each other in size take about as long to transfer. */
    private static int sizeClass(int bytes) {
        return (int) Math.floor(Math.log(Math.max(1, bytes)) / Math.log(SIZE_CLASS_RATIO));
    }

    /** The smallest time to acknowledgement of the last ten seconds, ns (the path's round trip and transfer). */
    public synchronized long minLatencyNanos() {
        prune(minLatencies, nanos.getAsLong(), MIN_WINDOW_NANOS);
        return minLatencies.isEmpty() ? 0 : (long) minLatencies.peekFirst().value();
    }

    private void update(long now, boolean failure) {
        double elapsedSeconds = Math.max(0, now - lastUpdate) / 1e9;
        lastUpdate = now;
        long queue = queueDelayNanos();
        prune(maxRecentFullRates, now, RECENT_RATE_NANOS);
        double recent = maxRecentFullRates.isEmpty() ? 0 : -maxRecentFullRates.peekFirst().value();
        double carried = Math.max(recent, lastSecond.bps(now));
        // nothing answered for a while, and a request waits far longer than its size takes: the link carries
        // (next to) nothing now. Not one request held up by a lost packet while the others get through
        boolean stalled = waitingNanos(now) > STALL_NANOS && now - deliveredAt > STALL_NANOS;
        if ((failure || stalled || queue > QUEUE_HIGH_NANOS) && now - lastBackoff >= BACKOFF_HOLD_NANOS) {
            // down to a share of what the link carries now: the recent sample that filled the path, or what was
            // acknowledged in the last second; without either (or after a failure), of the estimate itself
            double target = BACKOFF * (carried > 0 && !failure ? carried : estimate);
            if (stalled) {
                if (!recovering) {
                    recovering = true;
                    estimateBeforeStall = estimate;
                    stallSince = deliveredAt;
                    deliveredBeforeStall = delivered;
                }
                // while requests stall the link is full: what was acknowledged is what it carries
                estimate = Math.min(estimate, target);
            } else if (recovering && !failure && delivered > deliveredBeforeStall) {
                // a stall's cut is a guess made while nothing was answered: raised to what the link carried since
                // its last answer before the stall, as the answers come (over the whole stall, not the last
                // second: answers held up by a lost packet arrive together, faster than the link carries)
                double sinceStall = (delivered - deliveredBeforeStall) * 8e9 / Math.max(1, now - stallSince);
                estimate = Math.max(estimate, Math.min(estimateBeforeStall, BACKOFF * sinceStall));
            } else {
                // by half at most, as what was acknowledged may be low only because little was sent
                estimate = Math.min(estimate, Math.max(target, DEEPEST_CUT * estimate));
            }
            lastBackoff = now;
            probingAfterStall = false;
        } else if (!failure && !recovering && queue >= QUEUE_LOW_NANOS && queue <= QUEUE_HIGH_NANOS && recent > 0) {
            // a queue is forming: no more than gets through - over two seconds if more than the last one says (on
            // a lossy link that swings by a fifth with whether a large frame's answer fell in it or just outside)
            estimate = Math.min(estimate, Math.max(carried, lastSeconds.bps(now)));
            probingAfterStall = false;
        } else if (!failure && queue < QUEUE_LOW_NANOS && elapsedSeconds > 0) {
            // gently, within what the link was seen to carry; after a stall (a lost packet's retransmission
            // timeout looks the same as a rate that fell) fast and up to the estimate before it, until a queue forms
            double perSecond = probingAfterStall ? PROBE_AFTER_STALL_PER_SECOND : PROBE_PER_SECOND;
            double grown = estimate + Math.max(estimate * perSecond, PROBE_MIN_BPS) * elapsedSeconds;
            double ceiling = Math.max(minBps, PROBE_CEILING * deliveryBps());
            if (probingAfterStall) {
                ceiling = Math.max(ceiling, estimateBeforeStall);
            }
            estimate = Math.max(estimate, Math.min(grown, ceiling));
        }
        estimate = Math.max(minBps, Math.min(maxBps, estimate));
    }

    /**
     * Adds to a monotonic deque whose first element is the smallest value of the last {@code keepNanos} (a
     * maximum is kept as the minimum of negated values).
     */
    private static void addExtreme(ArrayDeque<Sample> window, long now, double value, long keepNanos) {
        while (!window.isEmpty() && window.peekLast().value() >= value) {
            window.pollLast();
        }
        window.addLast(new Sample(now, value));
        prune(window, now, keepNanos);
    }

    private static void prune(ArrayDeque<Sample> window, long now, long keepNanos) {
        while (!window.isEmpty() && now - window.peekFirst().at() > keepNanos) {
            window.pollFirst();
        }
    }
}
