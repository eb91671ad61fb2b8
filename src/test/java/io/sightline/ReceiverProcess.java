package io.sightline;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/** A receiver in a process of its own, so a test can kill it with SIGKILL. */
final class ReceiverProcess implements AutoCloseable {

    private final Process process;

    ReceiverProcess(Map<String, String> settings, Path log) throws Exception {
        this(settings, log, List.of(), Harness.management(settings));
    }

    /**
     * @param prefix     command words before {@code java} (e.g. {@code ip netns exec NS})
     * @param management base URL of its management port, as this process reaches it
     */
    ReceiverProcess(Map<String, String> settings, Path log, List<String> prefix, String management) throws Exception {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Sightline.class.getName()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        settings.forEach((key, value) -> builder.environment()
                .put(key.toUpperCase().replace('.', '_').replace('-', '_'), value));
        process = builder.start();
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> Harness.get(management + "/observe/health/ready").statusCode() == 200);
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
