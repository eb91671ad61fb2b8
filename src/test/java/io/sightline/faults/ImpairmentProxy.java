package io.sightline.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A userspace link between a sender and a receiver on loopback, for fault tests without root: forwards one TCP
 * port and one UDP port and impairs them.
 * <ul>
 *   <li>delay ± jitter, one way, on both directions (TCP keeps byte order; UDP datagrams may reorder);</li>
 *   <li>loss: UDP datagrams are dropped; for TCP, where the kernel retransmits, a "lost" chunk is held back by a
 *       retransmission timeout (max(200 ms, 3 × delay)) and everything behind it waits: what loss does to a
 *       TCP stream;</li>
 *   <li>bandwidth: a token bucket per direction;</li>
 *   <li>cut: {@link Cut#SILENT} holds every byte and datagram (a dead link: connections time out),
 *       {@link Cut#REFUSE} resets every connection and refuses new ones (an unreachable host).</li>
 * </ul>
 * Every thread it starts is a daemon and ends on {@link #close()}.
 */
public final class ImpairmentProxy implements AutoCloseable {

    public enum Cut { NONE, SILENT, REFUSE }

    private final InetSocketAddress tcpTarget;
    private final InetSocketAddress udpTarget;
    private final int tcpPort;
    private final DatagramSocket udp;
    private volatile ServerSocket listener;
    private volatile boolean closed;

    private volatile double lossPercent;
    private volatile long delayMillis;
    private volatile long jitterMillis;
    private volatile long bitsPerSecond;
    private volatile Cut cut = Cut.NONE;

    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    /** One bucket per direction, shared by all connections: the link, not each connection, has the bandwidth. */
    private final Bucket upstream = new Bucket();
    private final Bucket downstream = new Bucket();
    private final DelayQueue<Held> udpQueue = new DelayQueue<>();
    private final AtomicLong udpDropped = new AtomicLong();

    public ImpairmentProxy(int tcpTargetPort, int udpTargetPort) throws IOException {
        this(InetAddress.getLoopbackAddress(), tcpTargetPort, udpTargetPort);
    }

    /** Listens on loopback, forwards to {@code target} (loopback, or a test namespace's address). */
    public ImpairmentProxy(InetAddress target, int tcpTargetPort, int udpTargetPort) throws IOException {
        InetAddress loopback = InetAddress.getLoopbackAddress();
        this.tcpTarget = new InetSocketAddress(target, tcpTargetPort);
        this.udpTarget = new InetSocketAddress(target, udpTargetPort);
        this.listener = new ServerSocket(0, 50, loopback);
        this.tcpPort = listener.getLocalPort();
        this.udp = new DatagramSocket(new InetSocketAddress(loopback, 0));
        daemon("proxy-accept", this::accept);
        daemon("proxy-udp-in", this::receiveDatagrams);
        daemon("proxy-udp-out", this::sendDatagrams);
    }

    public int tcpPort() {
        return tcpPort;
    }

    public int udpPort() {
        return udp.getLocalPort();
    }

    public ImpairmentProxy loss(double percent) {
        this.lossPercent = percent;
        return this;
    }

    public ImpairmentProxy delay(long millis, long jitter) {
        this.delayMillis = millis;
        this.jitterMillis = jitter;
        return this;
    }

    public ImpairmentProxy bandwidth(long bitsPerSecond) {
        this.bitsPerSecond = bitsPerSecond;
        return this;
    }

    public long udpDropped() {
        return udpDropped.get();
    }

    /** Cuts the link, or restores it with {@link Cut#NONE}. */
    public synchronized void cut(Cut mode) throws IOException {
        this.cut = mode;
        if (mode == Cut.REFUSE) {
            listener.close();
            sockets.forEach(ImpairmentProxy::reset);
            sockets.clear();
        } else if (listener.isClosed() && !closed) {
            ServerSocket reopened = new ServerSocket();
            reopened.setReuseAddress(true);
            reopened.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), tcpPort), 50);
            listener = reopened;
            daemon("proxy-accept", this::accept);
        }
    }

    /** Resets every open connection (as a NAT that forgot them would), still accepting new ones. */
    public void resetConnections() {
        sockets.forEach(ImpairmentProxy::reset);
        sockets.clear();
    }

    private void accept() {
        ServerSocket mine = listener;
        while (!closed && !mine.isClosed()) {
            try {
                Socket client = mine.accept();
                if (cut == Cut.REFUSE) {
                    reset(client);
                    continue;
                }
                Socket server = new Socket();
                server.connect(tcpTarget, 5000);
                client.setTcpNoDelay(true);
                server.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(server);
                daemon("proxy-up", () -> pump(client, server, upstream));
                daemon("proxy-down", () -> pump(server, client, downstream));
            } catch (IOException e) {
                // listener closed by a cut or by close(); or the target is out of reach (a link down): the client's
                // connection stays open and unanswered, as a NAT or proxy whose far side is gone leaves it
            }
        }
    }

    /**
     * Copies one direction: chunks are read as they come and each is released at its due time, in order, by a
     * writer of its own, so bytes in flight overlap as on a real link (a reader that slept out each chunk's delay
     * before reading the next would cap a connection at one chunk per delay).
     */
    private void pump(Socket from, Socket to, Bucket bucket) {
        java.util.concurrent.BlockingQueue<Held> inFlight = new java.util.concurrent.LinkedBlockingQueue<>();
        daemon("proxy-deliver", () -> deliver(inFlight, from, to));
        long due = 0;
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                long now = System.nanoTime();
                long hold = delayNanos();
                if (ThreadLocalRandom.current().nextDouble(100) < lossPercent) {
                    hold += TimeUnit.MILLISECONDS.toNanos(Math.max(200, 3 * delayMillis));
                }
                due = Math.max(due, now + hold);
                if (bitsPerSecond > 0) {
                    due = Math.max(due, bucket.reserve(now, n * 8L * 1_000_000_000L / bitsPerSecond));
                }
                inFlight.add(new Held(Arrays.copyOf(buffer, n), due));
            }
        } catch (IOException e) {
            // one side closed or reset: the deliverer closes the other once the bytes before it are out
        } finally {
            inFlight.add(new Held(null, due));
        }
    }

    /** Writes the chunks of one direction at their due times; the end of the stream resets both sockets. */
    private void deliver(java.util.concurrent.BlockingQueue<Held> inFlight, Socket from, Socket to) {
        try (OutputStream out = to.getOutputStream()) {
            while (!closed) {
                Held chunk = inFlight.poll(200, TimeUnit.MILLISECONDS);
                if (chunk == null) {
                    continue;
                }
                if (chunk.data() == null) {
                    break;
                }
                waitUntil(chunk.dueNanos());
                while (cut == Cut.SILENT && !closed) {
                    Thread.sleep(20); // the link is dead: bytes neither arrive nor fail
                }
                out.write(chunk.data());
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the receiving side is gone
        } finally {
            reset(from);
            reset(to);
            sockets.remove(from);
            sockets.remove(to);
        }
    }

    /** When the link is free again: each chunk takes its transmission time after the previous one. */
    private static final class Bucket {
        private long free;

        synchronized long reserve(long now, long transmissionNanos) {
            free = Math.max(free, now) + transmissionNanos;
            return free;
        }
    }

    private long delayNanos() {
        long jitter = jitterMillis == 0 ? 0 : ThreadLocalRandom.current().nextLong(-jitterMillis, jitterMillis + 1);
        return TimeUnit.MILLISECONDS.toNanos(Math.max(0, delayMillis + jitter));
    }

    private static void waitUntil(long dueNanos) throws InterruptedException {
        long left;
        while ((left = dueNanos - System.nanoTime()) > 0) {
            TimeUnit.NANOSECONDS.sleep(left);
        }
    }

    private record Held(byte[] data, long dueNanos) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(dueNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            return Long.compare(dueNanos, ((Held) other).dueNanos);
        }
    }

    private void receiveDatagrams() {
        byte[] buffer = new byte[65536];
        while (!closed) {
            try {
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                udp.receive(packet);
                if (cut != Cut.NONE || ThreadLocalRandom.current().nextDouble(100) < lossPercent) {
                    udpDropped.incrementAndGet();
                    continue;
                }
                udpQueue.add(new Held(Arrays.copyOf(packet.getData(), packet.getLength()), System.nanoTime() + delayNanos()));
            } catch (IOException e) {
                // socket closed
            }
        }
    }

    private void sendDatagrams() {
        while (!closed) {
            try {
                Held held = udpQueue.poll(200, TimeUnit.MILLISECONDS);
                if (held != null) {
                    udp.send(new DatagramPacket(held.data(), held.data().length, udpTarget));
                }
            } catch (IOException | InterruptedException e) {
                // closed
            }
        }
    }

    private static void reset(Socket socket) {
        try {
            socket.setSoLinger(true, 0); // RST, as a host that is gone
            socket.close();
        } catch (IOException ignored) {
            // already closed
        }
    }

    private static void daemon(String name, Runnable task) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() {
        closed = true;
        try {
            listener.close();
        } catch (IOException ignored) {
            // closing
        }
        udp.close();
        sockets.forEach(ImpairmentProxy::reset);
    }
}
