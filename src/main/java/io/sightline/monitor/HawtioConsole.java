package io.sightline.monitor;

import org.apache.camel.support.service.ServiceSupport;
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

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The Hawtio console (its war, with the Jolokia agent it carries) on an embedded Jetty in this JVM, on a port
 * of its own, so it sees this process's Camel MBeans. On loopback it needs no login; bound to any other address
 * it is behind HTTP Basic authentication and refuses to start without a password.
 */
public class HawtioConsole extends ServiceSupport {

    public static final String CONTEXT_PATH = "/hawtio";
    private static final String ROLE = "sightline-operator";

    private final String host;
    private final int port;
    private final Path war;
    private final String username;
    private final String password;
    private Server server;

    public HawtioConsole(String host, int port, Path war, String username, String password) {
        this.host = host;
        this.port = port;
        this.war = war;
        this.username = username;
        this.password = password;
    }

    /** Where the console answers, for the start-up banner. */
    public String url() {
        String shown = host.equals("0.0.0.0") || host.equals("::") ? "localhost" : host;
        return "http://" + shown + ":" + port + CONTEXT_PATH + "/";
    }

    static boolean isLoopback(String host) throws Exception {
        return InetAddress.getByName(host).isLoopbackAddress();
    }

    @Override
    protected void doStart() throws Exception {
        if (!Files.isRegularFile(war)) {
            throw new IllegalStateException("Hawtio war not found at " + war + " (set sightline.hawtio.war)");
        }
        boolean loopback = isLoopback(host);
        if (!loopback && (password == null || password.isBlank())) {
            throw new IllegalStateException("Hawtio on " + host + " needs a login: set SIGHTLINE_HAWTIO_PASSWORD"
                    + " (and optionally sightline.hawtio.username), or bind it to 127.0.0.1");
        }
        // Hawtio's own login is off: on loopback none is wanted, elsewhere Jetty's Basic authentication guards it
        System.setProperty("hawtio.authenticationEnabled", "false");
        System.setProperty("hawtio.offline", "true");

        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);

        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath(CONTEXT_PATH);
        webapp.setWar(war.toString());
        webapp.setThrowUnavailableOnStartupException(true);
        if (!loopback) {
            webapp.setSecurityHandler(basicAuth());
        }
        server.setHandler(webapp);
        server.start();
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
    }
}
