package io.sightline.monitor;

import org.apache.camel.health.HealthCheck;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Sightline's readiness checks, shown on {@code /observe/health} (group {@code sightline}), in Hawtio (Camel's
 * health MBean) and as the {@code sightline_health_up} metric.
 */
public final class HealthChecks {

    private HealthChecks() {
    }

    /** Receiver: the data directory takes a file and has at least {@code minFreeBytes} free. */
    public static HealthCheck dataDir(Path dataDir, long minFreeBytes) {
        return new Readiness("data-dir", builder -> {
            builder.detail("dir", dataDir.toAbsolutePath().toString());
            try {
                Files.createDirectories(dataDir);
                Files.delete(Files.createTempFile(dataDir, ".health", ".tmp"));
                long free = Files.getFileStore(dataDir).getUsableSpace();
                builder.detail("free.bytes", free);
                if (free < minFreeBytes) {
                    builder.message("free space " + free + " bytes is below " + minFreeBytes).down();
                } else {
                    builder.up();
                }
            } catch (IOException | RuntimeException e) {
                builder.message("data directory is not writable: " + e.getMessage()).down();
            }
        });
    }

    /** Sender: the frame source is open (a closed one is being retried with backoff). */
    public static HealthCheck source(BooleanSupplier sourceOpen) {
        return new Readiness("source", builder -> {
            if (sourceOpen.getAsBoolean()) {
                builder.up();
            } else {
                builder.message("the frame source is not open").down();
            }
        });
    }

    /**
     * Sender: the receiver acknowledged a frame within {@code timeoutMillis} (or the sender started since).
     * @param lastAcknowledged when the last frame was acknowledged (epoch ms), 0 when none was yet
     */
    public static HealthCheck receiverReachable(LongSupplier lastAcknowledged, long timeoutMillis) {
        long started = System.currentTimeMillis();
        return new Readiness("receiver-reachable", builder -> {
            long last = lastAcknowledged.getAsLong();
            long since = System.currentTimeMillis() - (last == 0 ? started : last);
            builder.detail("last.acknowledged", last);
            if (since <= timeoutMillis) {
                builder.up();
            } else {
                builder.message("no frame acknowledged for " + since + " ms").down();
            }
        });
    }

    /** The check, also published as {@code sightline_health_up{check=...}}: 1 up, 0 down. */
    public static HealthCheck exposed(HealthCheck check, SightlineMetrics metrics) {
        metrics.gauge("health.up", check, c -> c.call().getState() == HealthCheck.State.UP ? 1 : 0, "check", check.getId());
        return check;
    }

    /** Readiness only: a failing check means "do not send me work", not "restart me". */
    private static final class Readiness extends AbstractHealthCheck {
        private final Consumer<HealthCheckResultBuilder> check;

        Readiness(String id, Consumer<HealthCheckResultBuilder> check) {
            super("sightline", id);
            this.check = check;
        }

        @Override
        public boolean isLiveness() {
            return false;
        }

        @Override
        protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
            check.accept(builder);
        }
    }
}
