package io.sightline;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.awaitility.Awaitility.await;

/**
 * Sightline in a process of its own: a receiver a test can kill with SIGKILL, or a sender or receiver whose CPU
 * time and memory the benchmark measures apart from everything else.
 */
final class SightlineProcess implements AutoCloseable {

    private final Process process;

    SightlineProcess(Map<String, String> settings, Path log) throws Exception {
        this(settings, log, List.of(), Harness.management(settings));
    }

    /** With JVM options of its own (e.g. the cluster tests' many short-lived nodes on two cores). */
    SightlineProcess(Map<String, String> settings, Path log, List<String> jvmArgs) throws Exception {
        this(settings, log, List.of(), Harness.management(settings), jvmArgs);
    }

    /**
     * @param prefix     command words before {@code java} (e.g. {@code ip netns exec NS})
     * @param management base URL of its management port, as this process reaches it
     */
    SightlineProcess(Map<String, String> settings, Path log, List<String> prefix, String management) throws Exception {
        this(settings, log, prefix, management, List.of());
    }

    private SightlineProcess(Map<String, String> settings, Path log, List<String> prefix, String management,
                             List<String> jvmArgs) throws Exception {
        List<String> command = new ArrayList<>(prefix);
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmArgs);
        // e.g. -Dsightline.child-jvm-args=-XX:StartFlightRecording=filename={role}.jfr (the benchmark's profiling
        // runs; {role} keeps the recordings of a sender and its receiver apart)
        String extra = System.getProperty("sightline.child-jvm-args", "").trim()
                .replace("{role}", settings.getOrDefault("sightline.role", "all"));
        if (!extra.isEmpty()) {
            command.addAll(List.of(extra.split("\\s+")));
        }
        if (!jvmArgs.contains("-cp")) { // else the caller chose it (e.g. the packaged jar, for a class-data archive)
            command.addAll(List.of("-cp", System.getProperty("java.class.path")));
        }
        command.add(Sightline.class.getName());
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        settings.forEach((key, value) -> builder.environment()
                .put(key.toUpperCase().replace('.', '_').replace('-', '_'), value));
        process = builder.start();
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                .until(() -> Harness.get(management + "/observe/health/ready").statusCode() == 200);
    }

    /**
     * Bytes of live objects: the total of a class histogram, which the JVM takes right after a full collection.
     * (Heap "used" read after a separate GC includes what the process allocated in between: tens of MB at
     * thousands of frames per second.)
     */
    long liveHeapBytes() throws Exception {
        java.util.regex.Matcher total = java.util.regex.Pattern.compile("(?m)^Total\\s+\\d+\\s+(\\d+)")
                .matcher(jcmd("GC.class_histogram"));
        if (!total.find()) {
            throw new IllegalStateException("no total from jcmd GC.class_histogram");
        }
        return Long.parseLong(total.group(1));
    }

    private String jcmd(String command) throws Exception {
        Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                String.valueOf(process.pid()), command).redirectErrorStream(true).start();
        String out = new String(jcmd.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        jcmd.waitFor(30, TimeUnit.SECONDS);
        return out;
    }

    /** CPU time (user + system) the process used so far, in ms. */
    long cpuMillis() {
        return process.info().totalCpuDuration().orElseThrow().toMillis();
    }

    /** Resident memory now, in bytes (VmRSS of /proc/<pid>/status). */
    long residentBytes() throws java.io.IOException {
        for (String line : java.nio.file.Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
            }
        }
        throw new IllegalStateException("no VmRSS for process " + process.pid());
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
