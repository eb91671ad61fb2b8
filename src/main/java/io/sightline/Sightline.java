package io.sightline;

import io.sightline.auth.OperatorAuth;
import io.sightline.auth.Tls;
import io.sightline.capture.CaptureProcessor;
import io.sightline.live.LiveEvents;
import io.sightline.live.LiveHub;
import io.sightline.monitor.FfmpegLog;
import io.sightline.monitor.HawtioConsole;
import io.sightline.monitor.ManagementGuard;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.segment.FrameStore;
import io.sightline.wire.DeviceKeys;
import io.sightline.http.HttpGuards;
import io.sightline.http.Readiness;
import io.sightline.http.ServerVertx;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.component.http.HttpComponent;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Starts Sightline in the role given by {@code sightline.role}: loads {@code application.properties} (from the
 * working directory, else the copy in the jar), binds the beans of the role, loads the role's route files from
 * {@code routes/} ({@code sender*.camel.yaml}, {@code receiver*.camel.yaml}, and Java DSL files
 * {@code Sender*.java} / {@code Receiver*.java}), and starts the management port and the Hawtio console.
 */
public final class Sightline implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Sightline.class);

    private final Main main;
    private Role role;
    private CaptureProcessor capture;
    private LiveHub live;
    private LiveEvents events;
    private HawtioConsole hawtio;
    private String loginCode;
    /** Every route is started and none is stopping: until then the receiver's HTTP ports answer 503. */
    private final Readiness ready = new Readiness();
    private Vertx vertx;
    private FrameStore frames;

    private Sightline(Map<String, String> overrides) {
        main = new Main();
        String config = System.getProperty("sightline.config",
                System.getenv().getOrDefault("SIGHTLINE_CONFIG", "application.properties"));
        main.setPropertyPlaceholderLocations(Files.isRegularFile(Path.of(config))
                ? "file:" + config : "classpath:application.properties");
        if (!overrides.isEmpty()) {
            Properties props = new Properties();
            props.putAll(overrides);
            main.setOverrideProperties(props);
        }
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void beforeConfigure(BaseMainSupport m) {
                configure(m);
            }

            @Override
            public void beforeStop(BaseMainSupport m) {
                endStreams();
            }

            @Override
            public void afterStop(BaseMainSupport m) {
                release();
            }
        });
    }

    /** Starts without blocking; {@link #close()} stops. Used by tests and embedders. */
    public static Sightline start(Map<String, String> overrides) throws Exception {
        Sightline sightline = new Sightline(overrides);
        sightline.main.start();
        return sightline;
    }

    public static void main(String[] args) throws Exception {
        new Sightline(Map.of()).main.run(args);
    }

    private void configure(BaseMainSupport m) {
        CamelContext context = m.getCamelContext();
        Settings s = new Settings(context);
        role = Role.parse(s.text("sightline.role", "all"));
        String name = "sightline-" + role.name().toLowerCase(Locale.ROOT)
                + (role.sends() ? "-" + Wiring.deviceId(s) : "");
        // keys and tokens may come through properties: Camel's start-up summary of them must not be logged
        m.configure().withName(name).setAutoConfigurationLogSummary(false);
        StringBuilder banner = new StringBuilder("Sightline started: ").append(name);
        loadRoutes(m, s, banner);

        FfmpegLog.setLevel(s.text("sightline.ffmpeg.log-level", "error"));
        SightlineMetrics metrics = Wiring.bindCommon(s, context.getRegistry());
        // the demo makes up a master key in memory (never logged); real receivers are given one
        String master = role.receives() ? Wiring.secret(s, "sightline.security.master-key").orElseGet(() -> {
            if (role == Role.ALL) {
                return DeviceKeys.random();
            }
            throw new IllegalArgumentException("A receiver needs the master key: set SIGHTLINE_SECURITY_MASTER_KEY"
                    + " (or sightline.security.master-key-file); see docs/security.md");
        }) : null;
        if (role.sends()) {
            double fps = s.decimal("sightline.capture.fps", 20);
            context.getPropertiesComponent().addInitialProperty("sightline.capture.period-ms",
                    String.valueOf(Math.max(1, Math.round(1000 / fps))));
            capture = Wiring.bindSender(s, context.getRegistry(), metrics,
                    Wiring.deviceKey(s, Wiring.deviceId(s), role == Role.ALL ? master : null));
            banner.append("\n    Sending:     ").append(s.text("sightline.source", "synthetic")).append(" to ")
                    .append(s.text("sightline.receiver.host", "127.0.0.1"));
        }
        int httpPort = s.integer("sightline.receiver.http-port", 8080);
        if (role.receives()) {
            // streamed responses (live MJPEG, event streams) each hold a worker thread while they wait
            vertx = Vertx.vertx(new VertxOptions().setWorkerPoolSize(20 + 2 * s.integer("sightline.live.max-viewers", 16)));
            context.getRegistry().bind("readiness", ready);
            context.getRegistry().bind("vertx", ServerVertx.wrap(vertx, s.integer("sightline.receiver.idle-timeout-s", 60),
                    httpPort, ready::isOpen, metrics.counter("http.refused", "reason", "not-ready")));
            live = Wiring.bindReceiver(s, context.getRegistry(), metrics, master);
            events = context.getRegistry().lookupByNameAndType("liveEvents", LiveEvents.class);
            frames = context.getRegistry().lookupByNameAndType("frameStore", FrameStore.class);
            var server = m.configure().httpServer();
            server.setEnabled(true);
            server.setHost(s.text("sightline.receiver.bind", "0.0.0.0"));
            server.setPort(httpPort);
            server.setMaxBodySize(2 * s.number("sightline.frame.max-bytes", 8L << 20));
            loginCode = context.getRegistry().lookupByNameAndType("operatorAuth", OperatorAuth.class).newLoginCode();
            banner.append("\n    Console:     ").append(scheme(s)).append("://localhost:").append(httpPort).append("/")
                    .append("\n    Log in:      ").append(scheme(s)).append("://localhost:").append(httpPort).append("/login?code=").append(loginCode)
                    .append("  (once, from this machine; or with SIGHTLINE_OPERATOR_TOKEN)");
        }
        tls(m, s);
        monitoring(m, s, banner, metrics);

        String text = banner.toString();
        long uploadTimeout = s.number("sightline.receiver.upload-timeout-ms", 60_000);
        String managementToken = Wiring.secret(s, "sightline.management.token").orElse(null);
        try {
            context.addStartupListener(new StartupListener() {
                @Override
                public void onCamelContextStarted(CamelContext ctx, boolean alreadyStarted) {
                    // the management server is up, the routes start next
                    ManagementGuard.install(ctx, managementToken, "/observe/metrics", "/observe/health", metrics);
                }

                @Override
                public void onCamelContextFullyStarted(CamelContext ctx, boolean alreadyStarted) {
                    if (role.receives()) {
                        HttpGuards.install(ctx, httpPort, uploadTimeout, metrics);
                    }
                    ready.open();
                    LOG.info(text);
                }
            });
        } catch (Exception e) {
            throw new IllegalStateException("cannot register the startup listener", e);
        }
    }

    /** Route files of the role, from the routes directory (reloaded on change if asked) or from the jar. */
    private void loadRoutes(BaseMainSupport m, Settings s, StringBuilder banner) {
        String routes = s.text("sightline.routes.dir", "routes");
        boolean onDisk = Files.isDirectory(Path.of(routes));
        String scheme = onDisk ? "file:" + routes + "/" : "classpath:routes/";
        StringBuilder include = new StringBuilder();
        StringBuilder reload = new StringBuilder();
        for (Role r : new Role[] {Role.SENDER, Role.RECEIVER}) {
            if (role == r || role == Role.ALL) {
                String lower = r.name().toLowerCase(Locale.ROOT);
                String upper = Character.toUpperCase(lower.charAt(0)) + lower.substring(1);
                String files = lower + "*.camel.yaml," + upper + "*.java";
                include.append(include.isEmpty() ? "" : ",").append(scheme).append(lower).append("*.camel.yaml,")
                        .append(scheme).append(upper).append("*.java");
                reload.append(reload.isEmpty() ? "" : ",").append(files);
            }
        }
        m.configure().withRoutesIncludePattern(include.toString());
        if (s.flag("sightline.routes.reload", role == Role.ALL) && onDisk) {
            m.configure().withRoutesReloadEnabled(true)
                    .withRoutesReloadDirectory(routes)
                    .withRoutesReloadPattern(reload.toString())
                    .withRoutesReloadRemoveAllRoutes(false);
            banner.append("\n    Routes:      ").append(Path.of(routes).toAbsolutePath()).append(" (reloaded on change)");
        }
    }

    private static String scheme(Settings s) {
        return s.optional("sightline.tls.keystore").isPresent() ? "https" : "http";
    }

    /** TLS when a keystore (receiver) or the https scheme (sender) is configured; see docs/security.md. */
    private void tls(BaseMainSupport m, Settings s) {
        String keystore = role.receives() ? s.optional("sightline.tls.keystore").orElse(null) : null;
        boolean https = role.sends() && s.text("sightline.receiver.scheme", "http").equals("https");
        if (keystore == null && !https) {
            return;
        }
        Tls.configure(m.getCamelContext(), keystore, Wiring.secret(s, "sightline.tls.keystore-password").orElse(""),
                s.optional("sightline.tls.truststore").orElse(null),
                Wiring.secret(s, "sightline.tls.truststore-password").orElse(""));
        if (keystore != null) {
            m.configure().httpServer().setUseGlobalSslContextParameters(true);
        }
        if (https) {
            m.getCamelContext().getComponent("https", HttpComponent.class).setUseGlobalSslContextParameters(true);
        }
    }

    /** Management port (health, Prometheus metrics) and the Hawtio console. */
    private void monitoring(BaseMainSupport m, Settings s, StringBuilder banner, SightlineMetrics metrics) {
        int port = s.integer("sightline.management.port", 8081);
        var management = m.configure().httpManagementServer();
        management.setEnabled(true);
        management.setHost(s.text("sightline.management.bind", "127.0.0.1"));
        management.setPort(port);
        management.setHealthCheckEnabled(true);
        management.setMetricsEnabled(true);
        // camel-main reads the metrics options from properties only (setters on its configuration object are
        // ignored). Per-exchange timers of every route, and the registry search the exchange notifier does for
        // every finished exchange, cost more than the frame work of some routes (the profile showed them on the
        // hot path); route statistics stay visible through JMX / Hawtio, flow figures are sightline_*
        var properties = m.getCamelContext().getPropertiesComponent();
        properties.addInitialProperty("camel.metrics.enabled", "true");
        properties.addInitialProperty("camel.metrics.binders", "jvm-memory,processor,uptime,file-descriptor");
        properties.addInitialProperty("camel.metrics.enableRoutePolicy", "false");
        properties.addInitialProperty("camel.metrics.enableExchangeEventNotifier", "false");
        banner.append("\n    Health:      http://localhost:").append(port).append("/observe/health")
                .append("\n    Metrics:     http://localhost:").append(port).append("/observe/metrics");

        if (s.flag("sightline.hawtio.enabled", true)) {
            List<String> origins = Arrays.stream(s.text("sightline.hawtio.origins", "").split(","))
                    .map(String::trim).filter(o -> !o.isEmpty()).toList();
            hawtio = new HawtioConsole(s.text("sightline.hawtio.bind", "127.0.0.1"),
                    s.integer("sightline.hawtio.port", 8082), hawtioWar(s), s.text("sightline.hawtio.username", "admin"),
                    Wiring.secret(s, "sightline.hawtio.password").orElse(null),
                    s.flag("sightline.hawtio.allow-operations", false), origins, metrics);
            try {
                m.getCamelContext().addService(hawtio, true, true);
            } catch (Exception e) {
                throw new IllegalStateException("cannot add the Hawtio console", e);
            }
            banner.append("\n    Hawtio:      ").append(hawtio.url()).append("  (").append(hawtio.login()).append(")");
        }
    }

    /** {@code sightline.hawtio.war}, else the war Maven put in {@code lib/} beside the jar (or target/classes). */
    private static Path hawtioWar(Settings s) {
        return s.optional("sightline.hawtio.war").map(Path::of).orElseGet(() -> {
            try {
                Path code = Path.of(Sightline.class.getProtectionDomain().getCodeSource().getLocation().toURI());
                Path lib = code.getParent().resolve("lib");
                try (Stream<Path> files = Files.list(lib)) {
                    return files.filter(f -> f.getFileName().toString().matches("hawtio-default-.*\\.war"))
                            .findFirst().orElse(lib.resolve("hawtio-default.war"));
                }
            } catch (IOException | java.net.URISyntaxException e) {
                return Path.of("lib", "hawtio-default.war");
            }
        });
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    /** The one-time login code printed at start (receivers only). */
    public String loginCode() {
        return loginCode;
    }

    /** Live viewers would hold up a graceful stop: their streams end first; new requests get 503 from now on. */
    private void endStreams() {
        ready.close();
        if (live != null) {
            live.closeStreams();
            events.closeStreams();
        }
    }

    /** What Camel does not own: the frame source, the receiver's open frame logs and its Vert.x instance. */
    private synchronized void release() {
        if (capture != null) {
            capture.close();
            capture = null;
        }
        if (frames != null) {
            try {
                frames.close();
            } catch (java.io.IOException e) {
                LOG.warn("Closing the frame logs: {}", e.getMessage());
            }
            frames = null;
        }
        if (vertx != null) {
            vertx.close();
            vertx = null;
        }
    }

    @Override
    public void close() throws Exception {
        endStreams();
        main.stop();
        release();
    }
}
