package io.sightline;

import io.sightline.auth.OperatorAuth;
import io.sightline.auth.Tls;
import io.sightline.config.Secrets;
import io.sightline.config.UnknownSettings;
import io.sightline.monitor.HawtioConsole;
import io.sightline.wire.Ids;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.component.http.HttpComponent;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.Main;
import org.apache.camel.main.MainListenerSupport;
import org.apache.camel.spi.PropertiesComponent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Starts Sightline in the role given by {@code sightline.role}. Everything else comes from
 * {@code application.properties}: the defaults inside the jar, then the file in the working directory (or
 * {@code sightline.config}) over them. The role's configuration classes ({@code sightline.role.<role>.beans}) bind
 * the beans its routes call; its route files ({@code sightline.role.<role>.routes}) come from
 * {@code sightline.routes.dir}, or from the jar when that directory does not exist. Here: the context's name, the
 * route files, TLS, and the banner with the URLs.
 */
public final class Sightline implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Sightline.class);

    private final Main main;
    private String loginCode;

    private Sightline(Map<String, String> overrides) {
        main = new Main();
        String config = System.getProperty("sightline.config",
                System.getenv().getOrDefault("SIGHTLINE_CONFIG", "application.properties"));
        Path userFile = Path.of(config);
        // the first location that has a key wins: the user's file, then the defaults inside the jar
        main.setPropertyPlaceholderLocations((Files.isRegularFile(userFile) ? "file:" + config + "," : "")
                + "classpath:application.properties");
        if (!overrides.isEmpty()) {
            Properties props = new Properties();
            props.putAll(overrides);
            main.setOverrideProperties(props);
        }
        main.addMainListener(new MainListenerSupport() {
            @Override
            public void beforeConfigure(BaseMainSupport m) {
                configure(m, Files.isRegularFile(userFile) ? userFile : null, overrides);
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

    private void configure(BaseMainSupport m, Path userFile, Map<String, String> overrides) {
        CamelContext context = m.getCamelContext();
        PropertiesComponent properties = context.getPropertiesComponent();
        profile(properties, overrides);
        Role role = Role.parse(required(properties, "sightline.role"));
        UnknownSettings.warn(userFile, overrides);
        String name = "sightline-" + role.label()
                + (role.sends() ? "-" + Ids.deviceId(properties.resolveProperty("sightline.device-id").orElse("")) : "");
        // keys and tokens may come through properties: Camel's start-up summary of them must not be logged
        m.configure().withName(name).setAutoConfigurationLogSummary(false);
        parts(m, properties, role);
        String routes = routes(m, properties, role);
        tls(m, context, role);
        try {
            context.addStartupListener(new StartupListener() {
                @Override
                public void onCamelContextStarted(CamelContext ctx, boolean alreadyStarted) {
                    // the routes start next; the banner waits until they run
                }

                @Override
                public void onCamelContextFullyStarted(CamelContext ctx, boolean alreadyStarted) {
                    LOG.info(banner(ctx, role, name, routes));
                }
            });
        } catch (Exception e) {
            throw new IllegalStateException("cannot register the startup listener", e);
        }
    }

    /**
     * The configuration classes of the role's parts (sender, or the receiving side's: its beans are made on first
     * use, so a part makes only those its routes call) and whether it runs the receiver's HTTP server. The local
     * hand-off needs ingest, segments and console in this process.
     */
    private static void parts(BaseMainSupport m, PropertiesComponent properties, Role role) {
        String bus = required(properties, "sightline.bus");
        if (!bus.equals("local") && !bus.equals("kafka")) {
            throw new IllegalArgumentException("sightline.bus must be local or kafka, was '" + bus + "'");
        }
        if (bus.equals("local") && role.receives() && !role.wholeReceiver()) {
            throw new IllegalArgumentException("sightline.role=" + role.value() + " runs part of a receiver: with"
                    + " sightline.bus=local ingest, segments and console hand frames to each other inside one process"
                    + " (sightline.role=receiver); separate parts need sightline.bus=kafka (docs/cluster.md)");
        }
        if (bus.equals("kafka") && properties.resolveProperty("sightline.kafka.node").map(String::isBlank).orElse(true)) {
            // the consumer groups a node reads alone are named after it
            properties.addOverrideProperty("sightline.kafka.node", Ids.deviceId(""));
        }
        Set<String> classes = new LinkedHashSet<>();
        if (role.sends()) {
            classes.addAll(list(required(properties, "sightline.role.sender.beans")));
        }
        if (role.receives()) {
            classes.addAll(list(required(properties, "sightline.role.receiver.beans")));
        }
        m.configure().setConfigurationClasses(String.join(",", classes));
        m.configure().httpServer().setEnabled(role.parts().stream()
                .anyMatch(p -> Boolean.parseBoolean(required(properties, "sightline.role." + p.key() + ".http-server"))));
    }

    private static List<String> list(String commaSeparated) {
        return Arrays.stream(commaSeparated.split(",")).map(String::trim).filter(v -> !v.isEmpty()).toList();
    }

    /**
     * {@code sightline.profile=<name>}: each {@code sightline.profile.<name>.<setting>} is used instead of the
     * file's {@code <setting>}; a setting given by a -D option, an environment variable or the caller still wins.
     * ({@code jvm-options} is the launcher's, bin/sightline.)
     */
    private static void profile(PropertiesComponent properties, Map<String, String> overrides) {
        String profile = properties.resolveProperty("sightline.profile").map(String::trim).orElse("");
        if (profile.isEmpty()) {
            return;
        }
        String prefix = "sightline.profile." + profile + ".";
        Properties settings = properties.loadProperties(key -> key.startsWith(prefix));
        if (settings.isEmpty()) {
            throw new IllegalArgumentException("sightline.profile=" + profile + ": there is no " + prefix + "* setting");
        }
        for (String key : settings.stringPropertyNames()) {
            String setting = key.substring(prefix.length());
            String environment = setting.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
            if (!setting.equals("jvm-options") && !overrides.containsKey(setting) && System.getProperty(setting) == null
                    && System.getenv(environment) == null) {
                properties.addOverrideProperty(setting, settings.getProperty(key));
            }
        }
        LOG.info("Profile {}", profile);
    }

    private static String required(PropertiesComponent properties, String key) {
        return properties.resolveProperty(key).map(String::trim).filter(v -> !v.isEmpty())
                .orElseThrow(() -> new IllegalArgumentException(key + " is not set"));
    }

    /**
     * The route files of the role's parts (each file once), from the routes directory (reloaded on change if asked)
     * or from the jar.
     * @return a banner line for reloading, or empty
     */
    private static String routes(BaseMainSupport m, PropertiesComponent properties, Role role) {
        String dir = required(properties, "sightline.routes.dir");
        boolean onDisk = Files.isDirectory(Path.of(dir));
        String scheme = onDisk ? "file:" + dir + "/" : "classpath:routes/";
        Set<String> patterns = new LinkedHashSet<>();
        role.parts().forEach(p -> patterns.addAll(list(required(properties, "sightline.role." + p.key() + ".routes"))));
        m.configure().withRoutesIncludePattern(patterns.stream().map(p -> scheme + p).collect(Collectors.joining(",")));
        String reload = properties.resolveProperty("sightline.routes.reload").map(String::trim).filter(v -> !v.isEmpty())
                .orElse(String.valueOf(role.demo()));
        if (!Boolean.parseBoolean(reload) || !onDisk) {
            return "";
        }
        m.configure().withRoutesReloadEnabled(true).withRoutesReloadDirectory(dir)
                .withRoutesReloadPattern(String.join(",", patterns)).withRoutesReloadRemoveAllRoutes(false);
        return "\n    Routes:      " + Path.of(dir).toAbsolutePath() + " (reloaded on change)";
    }

    /** TLS when a keystore (receiver) or the https scheme (sender) is configured; see docs/security.md. */
    private static void tls(BaseMainSupport m, CamelContext context, Role role) {
        PropertiesComponent properties = context.getPropertiesComponent();
        String keystore = role.receives() ? properties.resolveProperty("sightline.tls.keystore").filter(v -> !v.isBlank())
                .orElse(null) : null;
        boolean https = role.sends() && required(properties, "sightline.receiver.scheme").equals("https");
        if (keystore == null && !https) {
            return;
        }
        Tls.configure(context, keystore, Secrets.read(context, "sightline.tls.keystore-password").orElse(""),
                properties.resolveProperty("sightline.tls.truststore").filter(v -> !v.isBlank()).orElse(null),
                Secrets.read(context, "sightline.tls.truststore-password").orElse(""));
        if (keystore != null) {
            m.configure().httpServer().setUseGlobalSslContextParameters(true);
        }
        if (https) {
            context.getComponent("https", HttpComponent.class).setUseGlobalSslContextParameters(true);
        }
    }

    /** What the operator opens: console and its one-time login link, Hawtio and its login, health, metrics. */
    private String banner(CamelContext context, Role role, String name, String routes) {
        PropertiesComponent p = context.getPropertiesComponent();
        StringBuilder banner = new StringBuilder("Sightline started: ").append(name).append(routes);
        if (role.sends()) {
            banner.append("\n    Sending:     ").append(required(p, "sightline.source")).append(" to ")
                    .append(required(p, "sightline.receiver.host"));
        }
        String receiver = (p.resolveProperty("sightline.tls.keystore").filter(v -> !v.isBlank()).isPresent() ? "https" : "http")
                + "://localhost:" + required(p, "sightline.receiver.http-port") + "/";
        if (role.has(Role.Part.INGEST)) {
            banner.append("\n    Ingest:      ").append(receiver).append("api/v1/stream, ").append(receiver)
                    .append("api/v1/frames, UDP port ").append(required(p, "sightline.receiver.udp-port"));
        }
        if (role.receives() && required(p, "sightline.bus").equals("kafka")) {
            banner.append("\n    Kafka:       ").append(required(p, "sightline.kafka.brokers"));
        }
        if (role.has(Role.Part.CONSOLE)) {
            String console = receiver;
            loginCode = context.getRegistry().lookupByNameAndType("operatorAuth", OperatorAuth.class).newLoginCode();
            banner.append("\n    Console:     ").append(console)
                    .append("\n    Log in:      ").append(console).append("login?code=").append(loginCode)
                    .append("  (once, from this machine; or with SIGHTLINE_OPERATOR_TOKEN)");
        }
        String management = "http://localhost:" + required(p, "sightline.management.port");
        banner.append("\n    Health:      ").append(management).append("/observe/health")
                .append("\n    Metrics:     ").append(management).append("/observe/metrics");
        HawtioConsole hawtio = context.hasService(HawtioConsole.class);
        if (hawtio != null) {
            banner.append("\n    Hawtio:      ").append(hawtio.url()).append("  (").append(hawtio.login()).append(")");
        }
        return banner.toString();
    }

    public CamelContext context() {
        return main.getCamelContext();
    }

    /** The one-time login code printed at start (consoles only). */
    public String loginCode() {
        return loginCode;
    }

    @Override
    public void close() throws Exception {
        main.stop();
    }
}
