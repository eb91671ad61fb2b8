package io.sightline.delivery;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClientOptions;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The stream's connections against peers that go silent: one that takes the TCP connection and never answers the
 * upgrade (a middlebox whose far side is gone: in CI a proxy whose link to the receiver was down took each
 * connection and held it, and once the link was back the sender delivered nothing for two minutes), and one that
 * answers the upgrade and then nothing, not even the close handshake (a link that died).
 */
class FrameStreamTest {

    /** Accepts connections and answers nothing, or only the upgrade; the client's end is seen when it closes. */
    private static final class BlackHole implements AutoCloseable {
        final ServerSocket listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        final List<Socket> accepted = new CopyOnWriteArrayList<>();
        final List<Socket> closedByClient = new CopyOnWriteArrayList<>();
        private final boolean answersUpgrade;

        BlackHole(boolean answersUpgrade) throws IOException {
            this.answersUpgrade = answersUpgrade;
            Thread acceptor = new Thread(() -> {
                while (!listener.isClosed()) {
                    try {
                        Socket socket = listener.accept();
                        accepted.add(socket);
                        Thread reader = new Thread(() -> drainUntilClosed(socket));
                        reader.setDaemon(true);
                        reader.start();
                    } catch (IOException e) {
                        return; // closed
                    }
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void drainUntilClosed(Socket socket) {
            try (InputStream in = socket.getInputStream()) {
                if (answersUpgrade) {
                    acceptUpgrade(in, socket);
                }
                byte[] buffer = new byte[4096];
                while (in.read(buffer) >= 0) {
                    // the upgrade request, read and never answered
                }
                closedByClient.add(socket);
            } catch (IOException e) {
                closedByClient.add(socket);
            }
        }

        /** Answers the WebSocket upgrade (RFC 6455, section 4.2.2); nothing after it. */
        private static void acceptUpgrade(InputStream in, Socket socket) throws IOException {
            StringBuilder request = new StringBuilder();
            while (request.indexOf("\r\n\r\n") < 0) {
                int b = in.read();
                if (b < 0) {
                    throw new IOException("closed during the upgrade");
                }
                request.append((char) b);
            }
            Matcher key = Pattern.compile("(?im)^sec-websocket-key:\\s*(\\S+)").matcher(request);
            if (!key.find()) {
                throw new IOException("no Sec-WebSocket-Key in " + request);
            }
            try {
                byte[] digest = MessageDigest.getInstance("SHA-1").digest((key.group(1) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")
                        .getBytes(StandardCharsets.US_ASCII));
                socket.getOutputStream().write(("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Accept: " + Base64.getEncoder().encodeToString(digest) + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public void close() throws IOException {
            listener.close();
            for (Socket socket : accepted) {
                socket.close();
            }
        }
    }

    /**
     * One connection; the frame's own wait (1 s) ends before the upgrade's timeout (2 s), which is long enough for a
     * first upgrade on a busy machine.
     */
    private static FrameStream streamTo(BlackHole peer) {
        return new FrameStream(Vertx.vertx(), true, new WebSocketClientOptions(), "127.0.0.1", peer.listener.getLocalPort(),
                false, "Bearer token", 1, 2_000, 1_000, 10_000);
    }

    private static Exchange frame(CamelContext context) {
        Exchange exchange = new DefaultExchange(context);
        exchange.getMessage().setBody(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xD9});
        return exchange;
    }

    @Test
    void aConnectionWhoseUpgradeIsNeverAnsweredIsGivenUpAndTheNextFrameOpensANewOne() throws Exception {
        try (BlackHole peer = new BlackHole(false);
             CamelContext context = new DefaultCamelContext();
             FrameStream stream = streamTo(peer)) {
            for (int frame = 1; frame <= 3; frame++) {
                Exchange exchange = frame(context);
                assertThatThrownBy(() -> stream.send(exchange)).as("frame %d", frame).isInstanceOf(IOException.class);
                int opened = frame;
                await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
                    assertThat(peer.accepted).as("connections opened, one per frame").hasSize(opened);
                    assertThat(peer.closedByClient).as("each given up is closed, not left open").hasSize(opened);
                });
            }
        }
    }

    @Test
    void aConnectionWhoseAcknowledgementIsOverdueTakesNoMoreFrames() throws Exception {
        try (BlackHole peer = new BlackHole(true);
             CamelContext context = new DefaultCamelContext();
             FrameStream stream = streamTo(peer)) {
            for (int frame = 1; frame <= 2; frame++) {
                Exchange exchange = frame(context);
                assertThatThrownBy(() -> stream.send(exchange)).as("frame %d", frame)
                        .isInstanceOf(Delivery.ReceiverUnavailableException.class).hasMessageContaining("in time");
                // the frame went on a connection of its own, not on the last one, which still waits to close
                assertThat(peer.accepted).as("connections after frame %d", frame).hasSize(frame);
            }
        }
    }
}
