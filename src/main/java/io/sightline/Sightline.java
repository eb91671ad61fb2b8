package io.sightline;

import io.sightline.capture.CaptureProcessor;
import io.sightline.live.LiveHub;
import io.sightline.wire.JsonErrorPages;
import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.StartupListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

/**
 * Starts Sightline in the role given by {@code sightline.role}: loads {@code application.properties} (from the
 * working directory, else the copy in the jar), binds the beans of the role and loads the role's route files
 * from {@code routes/} ({@code sender*.camel.yaml}, {@code receiver*.camel.yaml}, and Java DSL files
 * {@code Sender*.java} / {@code Receiver*.java}).
 */
public final class Sightline implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Sightline.class);

    private final Main main;
    private Role role;
    private CaptureProcessor capture;
    private LiveHub live;

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
                if (live != null) {
                    live.closeStreams();
                }
            }

            @Override
            public void afterStop(BaseMainSupport m) {
                if (capture != null) {
                    capture.close();
                }
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
        String name = role.name().toLowerCase(Locale.ROOT);
        String routes = s.text("sightline.routes.dir", "routes");
        boolean onDisk = Files.isDirectory(Path.of(routes));
        String scheme = onDisk ? "file:" + routes + "/" : "classpath:routes/";
        StringBuilder include = new StringBuilder();
        StringBuilder reload = new StringBuilder();
        for (Role r : new Role[] {Role.SENDER, Role.RECEIVER}) {
            if (role == r || role == Role.ALL) {
                String lower = r.name().toLowerCase(Locale.ROOT);
                String upper = Character.toUpperCase(lower.charAt(0)) + lower.substring(1);
                include.append(include.isEmpty() ? "" : ",").append(scheme).append(lower).append("*.camel.yaml,")
                        .append(scheme).append(upper).append("*.java");
                reload.append(reload.isEmpty() ? "" : ",").append(lower).append("*.camel.yaml,").append(upper).append("*.java");
            }
        }
        m.configure().withName("sightline-" + name)
                .withRoutesIncludePattern(include.toString());
        boolean reloading = s.flag("sightline.routes.reload", role == Role.ALL) && onDisk;
        if (reloading) {
            m.configure().withRoutesReloadEnabled(true)
                    .withRoutesReloadDirectory(routes)
                    .withRoutesReloadPattern(reload.toString())
                    .withRoutesReloadRemoveAllRoutes(false);
        }

        Wiring.bindCommon(s, context.getRegistry());
        StringBuilder text = new StringBuilder("Sightline started as ").append(name);
        if (role.sends()) {
            double fps = s.decimal("sightline.capture.fps", 20);
            context.getPropertiesComponent().addInitialProperty("sightline.capture.period-ms",
                    String.valueOf(Math.max(1, Math.round(1000 / fps))));
            capture = Wiring.bindSender(s, context.getRegistry());
            text.append("; sending ").append(s.text("sightline.source", "synthetic")).append(" to ")
                    .append(s.text("sightline.receiver.host", "127.0.0.1"));
        }
        if (role.receives()) {
            live = Wiring.bindReceiver(s, context.getRegistry());
            int port = s.integer("sightline.receiver.http-port", 8080);
            var server = m.configure().httpServer();
            server.setEnabled(true);
            server.setHost(s.text("sightline.receiver.bind", "0.0.0.0"));
            server.setPort(port);
            server.setMaxBodySize(2 * s.number("sightline.frame.max-bytes", 8L << 20));
            text.append("\n\n    Live view:  http://localhost:").append(port).append("/\n");
        }
        if (reloading) {
            text.append("\nRoute files in ").append(routes).append("/ are reloaded when they change.");
        }
        String banner = text.toString();
        int httpPort = s.integer("sightline.receiver.http-port", 8080);
        try {
            context.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext ctx, boolean alreadyStarted) {
                // routes start next: nothing to do before they are up
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext ctx, boolean alreadyStarted) {
                if (role.receives()) {
                    JsonErrorPages.install(ctx, httpPort);
                }
                LOG.info(banner);
            }
        });
        } catch (Exception e) {
            throw new IllegalStateException("cannot register the startup listener", e);
        }
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    public Role role() {
        return role;
    }

    @Override
    public void close() throws Exception {
        main.stop();
    }
}
