package io.sightline;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/** A receiver in a process of its own, so a test can kill it with SIGKILL. */
final class ReceiverProcess implements AutoCloseable {

    private final Process process;

    ReceiverProcess(Map<String, String> settings, Path log) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Sightline.class.getName())
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        settings.forEach((key, value) -> builder.environment()
                .put(key.toUpperCase().replace('.', '_').replace('-', '_'), value));
        process = builder.start();
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> Harness.get(Harness.management(settings) + "/observe/health/ready").statusCode() == 200);
    }

    /** kill -9: no shutdown hook, no flush, no goodbye. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(20, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            kill();
        }
    }
}
