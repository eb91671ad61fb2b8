package io.sightline.monitor;

import io.micrometer.core.instrument.MeterRegistry;
import io.sightline.config.Secrets;
import org.apache.camel.BeanInject;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.StartupListener;
import org.apache.camel.component.micrometer.MicrometerConstants;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;

/**
 * Every role: Sightline's metrics (the registry Camel exposes on {@code /observe/metrics}), repeated warnings,
 * FFmpeg's log level, the management port's token guard and the Hawtio console ({@code sightline.hawtio.*}).
 */
public class MonitorConfiguration implements CamelConfiguration {

    @PropertyInject("sightline.ffmpeg.log-level")
    private String ffmpegLogLevel;
    @PropertyInject("sightline.hawtio.enabled")
    private boolean hawtioEnabled;
    @PropertyInject("sightline.hawtio.bind")
    private String hawtioBind;
    @PropertyInject("sightline.hawtio.port")
    private int hawtioPort;
    @PropertyInject("sightline.hawtio.username")
    private String hawtioUser;
    @PropertyInject("sightline.hawtio.allow-operations")
    private boolean hawtioOperations;
    @PropertyInject("sightline.hawtio.origins")
    private String hawtioOrigins;
    @PropertyInject("sightline.hawtio.war")
    private String hawtioWar;

    /** On the registry Camel makes for {@code /observe/metrics} ({@code camel.metrics.*}). */
    @BindToRegistry(value = "metrics", lazy = true)
    public SightlineMetrics metrics(@BeanInject(MicrometerConstants.METRICS_REGISTRY_NAME) MeterRegistry registry) {
        return new SightlineMetrics(registry);
    }

    @BindToRegistry(value = "repeatedWarnings", lazy = true)
    public RepeatedWarnings repeatedWarnings(@PropertyInject("sightline.log.repeat-interval-ms") long intervalMillis) {
        return new RepeatedWarnings(intervalMillis);
    }

    @Override
    public void configure(CamelContext context) throws Exception {
        FfmpegLog.setLevel(ffmpegLogLevel);
        SightlineMetrics metrics = context.getRegistry().lookupByNameAndType("metrics", SightlineMetrics.class);
        String token = Secrets.read(context, "sightline.management.token").orElse(null);
        context.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
                // the management server is up, the routes start next
                ManagementGuard.install(started, token, "/observe/metrics", "/observe/health", metrics);
            }
        });
        if (hawtioEnabled) {
            context.addService(new HawtioConsole(hawtioBind, hawtioPort, war(), hawtioUser,
                    Secrets.read(context, "sightline.hawtio.password").orElse(null), hawtioOperations,
                    Arrays.stream(hawtioOrigins.split(",")).map(String::trim).filter(o -> !o.isEmpty()).toList(), metrics),
                    true, true);
        }
    }

    /** {@code sightline.hawtio.war}, else the war Maven put in {@code lib/} beside the jar (or target/classes). */
    private Path war() {
        if (!hawtioWar.isBlank()) {
            return Path.of(hawtioWar);
        }
        try {
            Path code = Path.of(MonitorConfiguration.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path lib = code.getParent().resolve("lib");
            try (Stream<Path> files = Files.list(lib)) {
                return files.filter(f -> f.getFileName().toString().matches("hawtio-default-.*\\.war"))
                        .findFirst().orElse(lib.resolve("hawtio-default.war"));
            }
        } catch (IOException | URISyntaxException e) {
            return Path.of("lib", "hawtio-default.war");
        }
    }
}
