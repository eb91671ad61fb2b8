package io.sightline.monitor;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.camel.support.service.ServiceSupport;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.security.ConstraintMapping;
import org.eclipse.jetty.ee10.servlet.security.ConstraintSecurityHandler;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.security.Constraint;
import org.eclipse.jetty.security.HashLoginService;
import org.eclipse.jetty.security.UserStore;
import org.eclipse.jetty.security.authentication.BasicAuthenticator;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.security.Credential;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The Hawtio console (its war, with the Jolokia agent it carries) on an embedded Jetty in this JVM, on a port
 * of its own, so it sees this process's Camel MBeans. Always behind HTTP Basic authentication, on loopback too
 * (any local process, and any page open in the operator's browser, can reach loopback): the password is given,
 * or made up at start and printed once. Its Jolokia agent runs under the restrictor policy
 * {@code hawtio/jolokia-access.xml}: POST only, from the console's own origins only, read-only unless operations
 * are allowed; a request by another method or from another origin gets 403 (counted in
 * {@code sightline_hawtio_refused_total}).
 */
public class HawtioConsole extends ServiceSupport {

    public static final String CONTEXT_PATH = "/hawtio";
    private static final String ROLE = "sightline-operator";
    private static final String POLICY = "hawtio/jolokia-access.xml";

    private final String host;
    private final int port;
    private final Path war;
    private final String username;
    private final String password;
    private final boolean generatedPassword;
    private final boolean allowOperations;
    private final List<String> extraOrigins;
    private final SightlineMetrics metrics;
    private Server server;
    private Path policy;

    /**
     * @param password null or blank: one is made up
     * @param extraOrigins origins besides this console's own addresses that it is opened from (a tunnel, a name)
     */
    public HawtioConsole(String host, int port, Path war, String username, String password, boolean allowOperations,
                         List<String> extraOrigins, SightlineMetrics metrics) {
        this.host = host;
        this.port = port;
        this.war = war;
        this.username = username;
        this.generatedPassword = password == null || password.isBlank();
        this.password = generatedPassword ? madeUpPassword() : password;
        this.allowOperations = allowOperations;
        this.extraOrigins = List.copyOf(extraOrigins);
        this.metrics = metrics;
    }

    /** Where the console answers, for the start-up banner. */
    public String url() {
        String shown = host.equals("0.0.0.0") || host.equals("::") ? "localhost" : host;
        return "http://" + shown + ":" + port + CONTEXT_PATH + "/";
    }

    /** For the start-up banner: who logs in, and the password when it was made up (printed once, never stored). */
    public String login() {
        return "user " + username + ", password " + (generatedPassword ? password + " (made up at this start; "
                + "set SIGHTLINE_HAWTIO_PASSWORD to choose one)" : "from SIGHTLINE_HAWTIO_PASSWORD")
                + (allowOperations ? "; operations allowed" : "; read-only");
    }

    private static String madeUpPassword() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    @Override
    protected void doStart() throws Exception {
        if (!Files.isRegularFile(war)) {
            throw new IllegalStateException("Hawtio war not found at " + war + " (set sightline.hawtio.war)");
        }
        // Hawtio's own login is off: Jetty's Basic authentication guards every path. Its proxy (Jolokia of other
        // JVMs, through this one) is off: it would let a logged-in page reach hosts this one can reach
        System.setProperty("hawtio.authenticationEnabled", "false");
        System.setProperty("hawtio.disableProxy", "true");
        System.setProperty("hawtio.offline", "true");
        Set<String> origins = origins();
        policy = Files.createTempFile("sightline-jolokia-access", ".xml");
        Files.writeString(policy, policy(origins, allowOperations));

        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);

        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath(CONTEXT_PATH);
        webapp.setWar(war.toString());
        webapp.setThrowUnavailableOnStartupException(true);
        // Jolokia's agent servlet reads its configuration from context parameters too
        webapp.setInitParameter("policyLocation", policy.toUri().toString());
        webapp.setSecurityHandler(basicAuth());
        webapp.addFilter(new FilterHolder(new OwnOriginPostOnly(origins, metrics)), "/jolokia/*",
                EnumSet.of(DispatcherType.REQUEST));
        server.setHandler(webapp);
        server.start();
    }

    /** The policy of the project with this console's origins and, if allowed, exec and write. */
    static String policy(Set<String> origins, boolean allowOperations) {
        String template;
        try (InputStream in = HawtioConsole.class.getClassLoader().getResourceAsStream(POLICY)) {
            if (in == null) {
                throw new IllegalStateException(POLICY + " is missing from the classpath");
            }
            template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String allowed = origins.stream().map(o -> "<allow-origin>" + o + "</allow-origin>")
                .collect(Collectors.joining("\n    "));
        return template.replace("<!--ORIGINS-->", allowed).replace("<!--OPERATIONS-->",
                allowOperations ? "<command>exec</command>\n    <command>write</command>" : "");
    }

    /**
     * The origins a browser shows for this console: loopback by name and number, the bound address, every
     * address of this machine when bound to all of them, and the ones configured.
     */
    Set<String> origins() throws SocketException {
        Set<String> hosts = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "[::1]"));
        InetAddress bound;
        try {
            bound = InetAddress.getByName(host);
        } catch (IOException e) {
            throw new IllegalStateException("sightline.hawtio.bind: cannot resolve " + host, e);
        }
        if (bound.isAnyLocalAddress()) {
            // IPv4 only: a browser writes IPv6 origins compressed, which Java does not; list those in
            // sightline.hawtio.origins
            for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    if (address instanceof Inet4Address) {
                        hosts.add(address.getHostAddress());
                    }
                }
            }
        } else {
            hosts.add(host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host);
        }
        Set<String> origins = hosts.stream().map(h -> "http://" + h + ":" + port)
                .collect(Collectors.toCollection(LinkedHashSet::new));
        origins.addAll(extraOrigins);
        return origins;
    }

    /**
     * The policy refuses these too, but inside a 200 answer and uncounted: here a request that is not a POST, or
     * comes from no listed origin, gets a real 403 before Jolokia runs, counted by reason (Hawtio's agent probe, a
     * GET, takes 401 or 403 as "an agent is here" and then speaks POST).
     */
    private static final class OwnOriginPostOnly implements Filter {

        private final Set<String> origins;
        private final SightlineMetrics metrics;

        OwnOriginPostOnly(Set<String> origins, SightlineMetrics metrics) {
            this.origins = Set.copyOf(origins);
            this.metrics = metrics;
        }

        @Override
        public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            HttpServletRequest http = (HttpServletRequest) request;
            String method = http.getMethod();
            if (!method.equals("POST") && !method.equals("OPTIONS")) {
                refuse((HttpServletResponse) response, "not-post", "Jolokia takes POST only here: any page can make a GET");
            } else if (method.equals("POST") && !listed(origin(http))) {
                refuse((HttpServletResponse) response, "origin", "only the console's own pages may call Jolokia");
            } else {
                chain.doFilter(request, response);
            }
        }

        private boolean listed(String origin) {
            return origin != null && origins.contains(origin);
        }

        /** Origin, else the origin part of Referer (as Jolokia takes it), lower case; null without either. */
        private static String origin(HttpServletRequest request) {
            String origin = request.getHeader("Origin");
            if (origin == null && request.getHeader("Referer") != null) {
                try {
                    java.net.URI referer = java.net.URI.create(request.getHeader("Referer"));
                    origin = referer.getScheme() + "://" + referer.getRawAuthority();
                } catch (IllegalArgumentException e) {
                    return null;
                }
            }
            return origin == null ? null : origin.toLowerCase(java.util.Locale.ROOT);
        }

        private void refuse(HttpServletResponse response, String reason, String detail) throws IOException {
            metrics.counter("hawtio.refused", "reason", reason).increment();
            response.setStatus(403);
            response.setContentType("application/json");
            response.getWriter().write("{\"error\":\"forbidden\",\"detail\":\"" + detail + "\"}");
        }
    }

    private ConstraintSecurityHandler basicAuth() {
        UserStore users = new UserStore();
        users.addUser(username, Credential.getCredential(password), new String[] {ROLE});
        HashLoginService login = new HashLoginService("Sightline");
        login.setUserStore(users);
        ConstraintMapping everything = new ConstraintMapping();
        everything.setPathSpec("/*");
        everything.setConstraint(Constraint.from(ROLE));
        ConstraintSecurityHandler security = new ConstraintSecurityHandler();
        security.setLoginService(login);
        security.setAuthenticator(new BasicAuthenticator());
        security.addConstraintMapping(everything);
        return security;
    }

    @Override
    protected void doStop() throws Exception {
        if (server != null) {
            server.stop();
            server = null;
        }
        if (policy != null) {
            Files.deleteIfExists(policy);
            policy = null;
        }
    }
}
