package io.sightline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The process a user starts: configured by environment variables only (a misspelled one is reported), routes
 * from the routes/ directory of its working directory (YAML and Java DSL), and a route file added while it runs
 * is picked up.
 */
class ConfigurationTest {

    @TempDir
    Path work;

    @Test
    void environmentVariablesRouteFilesJavaDslAndReloading() throws Exception {
        Path routes = Files.createDirectories(work.resolve("routes"));
        Harness.copyRoutes(routes, "{receiver,bus}-*.camel.yaml");
        Files.writeString(routes.resolve("ReceiverPing.java"), """
                import org.apache.camel.builder.RouteBuilder;

                public class ReceiverPing extends RouteBuilder {
                    @Override
                    public void configure() {
                        from("platform-http:/ping").routeId("ping").setBody(constant("pong"));
                    }
                }
                """);
        int port = Harness.freeTcpPort();
        String base = "http://127.0.0.1:" + port;
        ProcessBuilder builder = new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Sightline.class.getName())
                .directory(work.toFile())
                .redirectErrorStream(true)
                .redirectOutput(work.resolve("sightline.log").toFile());
        Map<String, String> env = builder.environment();
        env.put("SIGHTLINE_ROLE", "receiver");
        env.put("SIGHTLINE_RECEIVER_HTTP_PORT", String.valueOf(port));
        env.put("SIGHTLINE_RECEIVER_UDP_PORT", String.valueOf(Harness.freeUdpPort()));
        env.put("SIGHTLINE_RECEIVER_BIND", "127.0.0.1");
        env.put("SIGHTLINE_DATA_DIR", work.resolve("data").toString());
        env.put("SIGHTLINE_SPOOL_DIR", work.resolve("spool").toString());
        env.put("SIGHTLINE_ROUTES_RELOAD", "true");
        env.put("SIGHTLINE_SECURITY_MASTER_KEY", Harness.MASTER);
        env.put("SIGHTLINE_OPERATOR_TOKEN", Harness.OPERATOR);
        env.put("SIGHTLINE_MANAGEMENT_PORT", String.valueOf(Harness.freeTcpPort()));
        env.put("SIGHTLINE_HAWTIO_ENABLED", "false");
        env.put("SIGHTLINE_MANAGEMENT_BIND", "127.0.0.1");
        env.put("SIGHTLINE_SEGMENT_SECONDZ", "5"); // a typo: reported at start
        Process process = builder.start();
        try {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> Harness.get(base + "/ping").body().equals("pong"));
            HttpResponse<String> devices = Harness.get(base + "/api/v1/devices");
            assertThat(devices.statusCode()).isEqualTo(200);
            assertThat(devices.body()).isEqualTo("[]");

            Files.writeString(routes.resolve("receiver-console-hello.camel.yaml"), """
                    - route:
                        id: hello
                        from:
                          uri: platform-http:/hello
                          steps:
                            - setBody:
                                constant: hello from a reloaded route
                    """);
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> Harness.get(base + "/hello").body().equals("hello from a reloaded route"));
        } finally {
            process.destroy();
            if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        String log = Files.readString(work.resolve("sightline.log"));
        assertThat(log).contains("Sightline started: sightline-receiver")
                .contains("Unknown setting SIGHTLINE_SEGMENT_SECONDZ (from the environment) is ignored: did you mean sightline.segment.seconds?");
        assertThat(log).as("secrets in the log").doesNotContain(Harness.MASTER).doesNotContain(Harness.OPERATOR);
    }
}
