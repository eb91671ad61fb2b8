package io.sightline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/** TLS between sender and receiver, with a certificate this test makes with the JDK's keytool. */
class TlsTest {

    @TempDir
    Path dir;

    private static void keytool(String... args) throws Exception {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as(out).isTrue();
    }

    @Test
    void framesFlowOverTlsAndAnUntrustingSenderDeliversNothing() throws Exception {
        Path keystore = dir.resolve("receiver.p12");
        Path cert = dir.resolve("receiver.pem");
        Path truststore = dir.resolve("trust.p12");
        keytool("-genkeypair", "-alias", "receiver", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-keystore", keystore.toString(),
                "-storetype", "PKCS12", "-storepass", "test-pass", "-keypass", "test-pass");
        keytool("-exportcert", "-alias", "receiver", "-keystore", keystore.toString(), "-storepass", "test-pass",
                "-rfc", "-file", cert.toString());
        keytool("-importcert", "-noprompt", "-alias", "receiver", "-file", cert.toString(), "-keystore",
                truststore.toString(), "-storetype", "PKCS12", "-storepass", "trust-pass");

        Path data = dir.resolve("data");
        Map<String, String> receiver = Harness.receiver(data);
        receiver.put("sightline.tls.keystore", keystore.toString());
        receiver.put("sightline.tls.keystore-password", "test-pass");
        try (Sightline rx = Sightline.start(receiver)) {
            // plain HTTP to the TLS port gets nowhere
            Throwable plain = catchThrowable(() -> Harness.HTTP.send(HttpRequest.newBuilder(
                    URI.create(Harness.base(receiver) + "/api/v1/devices")).timeout(Duration.ofSeconds(5)).build(),
                    HttpResponse.BodyHandlers.ofString()));
            assertThat(plain).isInstanceOf(IOException.class);

            Map<String, String> trusting = Harness.sender(receiver, "tls-cam", "synthetic");
            trusting.put("sightline.receiver.scheme", "https");
            trusting.put("sightline.tls.truststore", truststore.toString());
            trusting.put("sightline.tls.truststore-password", "trust-pass");
            trusting.put("sightline.capture.width", "320");
            trusting.put("sightline.capture.height", "240");
            Map<String, String> untrusting = Harness.sender(receiver, "untrusting-cam", "synthetic");
            untrusting.put("sightline.receiver.scheme", "https");
            untrusting.put("sightline.capture.width", "320");
            untrusting.put("sightline.capture.height", "240");
            try (Sightline good = Sightline.start(trusting); Sightline bad = Sightline.start(untrusting)) {
                await().atMost(Duration.ofSeconds(60)).until(() ->
                        MonitoringTest.value(MonitoringTest.scrape(trusting), "sightline_frames_acknowledged_total") >= 30);
                await().atMost(Duration.ofSeconds(60)).until(() -> LinkFaultsTest.spooled(untrusting) >= 10);
                assertThat(MonitoringTest.value(MonitoringTest.scrape(untrusting), "sightline_frames_acknowledged_total")).isZero();
            }
        }
        assertThat(Segments.sidecars(data, "tls-cam")).isNotEmpty();
        assertThat(Segments.sidecars(data, "untrusting-cam")).isEmpty();
    }
}
