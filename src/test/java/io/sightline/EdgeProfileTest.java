package io.sightline;

import io.sightline.monitor.HawtioConsole;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code sightline.profile=edge}: the profile's settings replace the file's (a setting given explicitly still
 * wins), and bin/sightline starts the JVM with the profile's options and a class-data archive. Its memory and
 * start time are measured by {@code bin/bench detect}.
 */
class EdgeProfileTest {

    @TempDir
    Path dir;

    @Test
    void theEdgeProfileTurnsHawtioOffAndShrinksThePreRollButAnExplicitSettingWins() throws Exception {
        Map<String, String> receiver = Harness.receiver(dir.resolve("data"));
        Map<String, String> sender = Harness.sender(receiver, "edge-cam", "synthetic");
        sender.put("sightline.profile", "edge");
        sender.remove("sightline.hawtio.enabled");
        sender.put("sightline.stream.post-roll-ms", "1234");
        sender.put("sightline.stream.pre-roll-ms", "2000");
        try (Sightline s = Sightline.start(sender)) {
            assertThat(s.context().hasService(HawtioConsole.class)).isNull();
            assertThat(s.context().resolvePropertyPlaceholders("{{sightline.hawtio.enabled}}")).isEqualTo("false");
            assertThat(s.context().resolvePropertyPlaceholders("{{sightline.stream.pre-roll-max-bytes}}")).isEqualTo("8388608");
            assertThat(s.context().resolvePropertyPlaceholders("{{sightline.stream.post-roll-ms}}")).isEqualTo("1234");
        }
        sender.put("sightline.stream.pre-roll-max-bytes", "1000000");   // given by the caller: stays
        try (Sightline s = Sightline.start(sender)) {
            assertThat(s.context().resolvePropertyPlaceholders("{{sightline.stream.pre-roll-max-bytes}}")).isEqualTo("1000000");
        }
        sender.put("sightline.profile", "tiny");
        assertThatThrownBy(() -> Sightline.start(sender)).hasStackTraceContaining("sightline.profile=tiny");
    }

    @Test
    void theLauncherAddsTheProfilesJvmOptionsAndAClassDataArchive() throws Exception {
        Properties defaults = new Properties();
        try (var in = Files.newBufferedReader(Path.of("application.properties"))) {
            defaults.load(in);
        }
        String options = defaults.getProperty("sightline.profile.edge.jvm-options");
        String jar = dir.resolve("sightline.jar").toString();
        Files.writeString(Path.of(jar), "");
        String first = launcher(Map.of("SIGHTLINE_PROFILE", "edge", "SIGHTLINE_JAR", jar));
        assertThat(first).startsWith("MALLOC_ARENA_MAX=2 java " + options + " -XX:ArchiveClassesAtExit="
                + dir.resolve("sightline-edge.jsa")).endsWith("-jar " + jar);
        Files.writeString(dir.resolve("sightline-edge.jsa"), "");          // written by the first run, after the jar
        Files.setLastModifiedTime(dir.resolve("sightline-edge.jsa"),
                java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 60_000));
        assertThat(launcher(Map.of("SIGHTLINE_PROFILE", "edge", "SIGHTLINE_JAR", jar)))
                .contains(" -XX:SharedArchiveFile=" + dir.resolve("sightline-edge.jsa") + " ");
        assertThat(launcher(Map.of("SIGHTLINE_JAR", jar))).doesNotContain("-Xmx").doesNotContain("Archive");
    }

    private String launcher(Map<String, String> environment) throws Exception {
        ProcessBuilder builder = new ProcessBuilder("bin/sightline").redirectErrorStream(true);
        builder.environment().putAll(environment);
        builder.environment().put("SIGHTLINE_DRY_RUN", "1");
        builder.environment().put("SIGHTLINE_CONFIG", dir.resolve("none.properties").toString());
        builder.environment().remove("SIGHTLINE_PROFILE");
        builder.environment().putAll(environment);
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes()).trim();
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }
}
