package io.sightline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A benchmark's lines: printed as they come, and written to {@code target/<file>} at the end. */
final class BenchReport {

    private final List<String> lines = new ArrayList<>();

    void line(String text) {
        System.out.println(text);
        lines.add(text);
    }

    boolean has(String prefix) {
        return lines.stream().anyMatch(l -> l.startsWith(prefix));
    }

    /**
     * Writes the lines to {@code target/<file>}, deletes the benchmark's {@code work} directory (its cases leave
     * gigabytes of segments and logs) and ends the benchmark's JVM (its child processes are stopped).
     */
    void finish(String file, Path work) throws IOException {
        Files.write(Path.of("target", file), lines);
        Harness.deleteTree(work);
        System.exit(0);
    }
}
