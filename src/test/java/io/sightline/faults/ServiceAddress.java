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
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What a Kubernetes Service is to senders, on loopback: one TCP and one UDP address in front of several ingest
 * nodes. Each new connection goes to the next backend that accepts it (a dead one refuses, and is skipped, as
 * kube-proxy skips a pod that left the endpoints); datagrams go round-robin, and those sent to a dead node are
 * lost, as UDP may be. Every thread is a daemon and ends on {@link #close()}.
 */
public final class ServiceAddress implements AutoCloseable {

    private final List<Integer> httpPorts;
    private final List<Integer> udpPorts;
    private final ServerSocket listener;
    private final DatagramSocket udp;
    private final AtomicInteger next = new AtomicInteger();
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    public ServiceAddress(List<Integer> httpPorts, List<Integer> udpPorts) throws IOException {
        this.httpPorts = List.copyOf(httpPorts);
        this.udpPorts = List.copyOf(udpPorts);
        listener = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress());
        udp = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        daemon(this::accept, "service-accept");
        daemon(this::relayDatagrams, "service-udp");
    }

    public int httpPort() {
        return listener.getLocalPort();
    }

    public int udpPort() {
        return udp.getLocalPort();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = listener.accept();
                daemon(() -> relay(client), "service-up"); // the accepting thread never waits for a backend
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    /** Connects the client to the next backend that accepts, then carries its bytes up (and down, on another thread). */
    private void relay(Socket client) {
        Socket backend = connect();
        if (backend == null) {
            closeQuietly(client);
            return;
        }
        try {
            client.setTcpNoDelay(true); // relayed as it comes: no Nagle delay on either leg
            backend.setTcpNoDelay(true);
        } catch (IOException e) {
            closeQuietly(client);
            closeQuietly(backend);
            return;
        }
        sockets.add(client);
        sockets.add(backend);
        daemon(() -> pump(backend, client), "service-down");
        pump(client, backend);
    }

    private Socket connect() {
        for (int tries = 0; tries < httpPorts.size(); tries++) {
            int port = httpPorts.get(Math.floorMod(next.getAndIncrement(), httpPorts.size()));
            try {
                Socket s = new Socket();
                s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1000);
                return s;
            } catch (IOException refused) {
                // that node is down: the next one
            }
        }
        return null;
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[64 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
            }
        } catch (IOException ignored) {
            // either side went away
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    private void relayDatagrams() {
        byte[] buffer = new byte[65536];
        AtomicInteger turn = new AtomicInteger();
        while (!closed) {
            try {
                DatagramPacket in = new DatagramPacket(buffer, buffer.length);
                udp.receive(in);
                int port = udpPorts.get(Math.floorMod(turn.getAndIncrement(), udpPorts.size()));
                // sent from this socket: the node sees the Service's address, as behind a load balancer with SNAT
                udp.send(new DatagramPacket(in.getData(), in.getLength(), InetAddress.getLoopbackAddress(), port));
            } catch (IOException e) {
                if (closed) {
                    return;
                }
            }
        }
    }

    private static void daemon(Runnable task, String name) {
        Thread t = new Thread(task, name);
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() throws IOException {
        closed = true;
        listener.close();
        udp.close();
        sockets.forEach(ServiceAddress::closeQuietly);
    }
}
