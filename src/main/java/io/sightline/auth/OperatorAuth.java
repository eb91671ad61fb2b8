package io.sightline.auth;

import io.sightline.wire.DeviceKeys;
import io.sightline.wire.InvalidInputException;
import org.apache.camel.Exchange;
import org.apache.camel.component.platform.http.vertx.HttpMessage;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Operator authentication for the API, the live view and the console, and what each operator may do. Who: a named
 * account (user name and password, {@link Accounts}), the operator token ({@code SIGHTLINE_OPERATOR_TOKEN}) as a
 * bearer token for scripts, or the one-time login link printed at start (loopback only, used once) for the first
 * admin; the check leaves the {@link Operator} on the exchange for the routes, which require a role where an action
 * needs more than watching. A browser holds a session cookie, signed with a key made from the master key, so any
 * console node accepts it, also after a restart, until it expires 12 hours after login; a session names its account,
 * whose current role counts (a deleted account's sessions end). Failed logins are limited per address
 * ({@link LoginLimiter}) and every login is in the audit log. 401 without valid credentials, 403 for a device token
 * or a role that does not allow the action. A browser attaches the cookie to requests that other pages make too (a
 * page on another port of the same host is even the same site, so SameSite does not stop it): a request that
 * carries the session is refused with 403 {@code cross-origin} unless it comes from the console's own origin, by the
 * browser's Fetch Metadata ({@code Sec-Fetch-Site}) or, from browsers without it, by {@code Origin}.
 */
public class OperatorAuth {

    public static final String COOKIE = "sightline_session";
    private static final Duration SESSION = Duration.ofHours(12);
    private static final Duration CODE = Duration.ofMinutes(10);

    private final OperatorToken operatorToken;
    /** Signs sessions: any console with the same master key accepts them, also after a restart. */
    private final byte[] sessionKey;
    private final Accounts accounts;
    private final LoginLimiter limiter;
    private final AuditLog audit;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Long> codes = new ConcurrentHashMap<>();

    public OperatorAuth(OperatorToken operatorToken, byte[] sessionKey, Accounts accounts, LoginLimiter limiter, AuditLog audit) {
        this.operatorToken = operatorToken;
        this.sessionKey = sessionKey.clone();
        this.accounts = accounts;
        this.limiter = limiter;
        this.audit = audit;
    }

    /** For the page: whether the request is an operator's (else the route sends the browser to the login form). */
    public boolean permits(Exchange exchange) {
        try {
            check(exchange);
            return true;
        } catch (InvalidInputException e) {
            return false;
        }
    }

    /** First step of every operator route: who asks, left on the exchange as {@link Operator#PROPERTY}. */
    public void check(Exchange exchange) {
        exchange.removeProperty(Operator.PROPERTY);
        exchange.setProperty(Operator.PROPERTY, authenticate(exchange));
    }

    private Operator authenticate(Exchange exchange) {
        String token = Bearer.token(exchange);
        if (token != null) {
            if (operatorToken.matches(token)) {
                return Operator.TOKEN;
            }
            if (token.indexOf('.') > 0) {
                throw new InvalidInputException(403, "forbidden", "a device token cannot use the operator API");
            }
            throw new InvalidInputException(401, "unauthorized", "the operator token is not valid");
        }
        String session = cookie(exchange);
        Operator who = session == null ? null : sessionOperator(session);
        if (who != null) {
            refuseOtherOrigins(exchange);
            return who;
        }
        throw new InvalidInputException(401, "unauthorized", "log in: with your account, the login link printed at start, or the operator token");
    }

    /** Step of a route whose action needs more than watching: 403 unless the operator's role allows {@code role}. */
    public void require(Exchange exchange, String role) {
        AccountRole needed = AccountRole.parse(role);
        Operator who = exchange.getProperty(Operator.PROPERTY, Operator.class);
        if (who == null || !who.role().permits(needed)) {
            throw new InvalidInputException(403, "forbidden-role", (who == null ? "nobody" : who.name() + " (" + who.role().key()
                    + ")") + " may not do this: it needs the role " + needed.key() + " or above");
        }
    }

    /** {@code GET /api/v1/me}: who the console is logged in as, and the role (the page shows what it allows). */
    public Operator me(Exchange exchange) {
        return exchange.getProperty(Operator.PROPERTY, Operator.class);
    }

    /**
     * A session may be used by the console's own pages only: same-origin requests, requests the user made
     * ({@code Sec-Fetch-Site: none}, e.g. typed or bookmarked) and opening a page in a tab (a top-level navigation
     * with GET). Anything else another page made - an image, a form, a fetch, a frame - is refused.
     */
    private static void refuseOtherOrigins(Exchange exchange) {
        String site = exchange.getMessage().getHeader("Sec-Fetch-Site", String.class);
        String origin = exchange.getMessage().getHeader("Origin", String.class);
        boolean allowed;
        if (site != null) {
            boolean topLevelGet = "navigate".equals(exchange.getMessage().getHeader("Sec-Fetch-Mode", String.class))
                    && "document".equals(exchange.getMessage().getHeader("Sec-Fetch-Dest", String.class))
                    && "GET".equals(exchange.getMessage().getHeader(Exchange.HTTP_METHOD, String.class));
            allowed = site.equals("same-origin") || site.equals("none") || topLevelGet;
        } else {
            allowed = origin == null || sameAuthority(origin, exchange.getMessage().getHeader("Host", String.class));
        }
        if (!allowed) {
            throw new InvalidInputException(403, "cross-origin", "a request made by a page of another origin ("
                    + (origin != null ? origin : site) + ") cannot use the operator's session");
        }
    }

    private static boolean sameAuthority(String origin, String host) {
        try {
            String authority = java.net.URI.create(origin).getRawAuthority();
            return authority != null && host != null && authority.equalsIgnoreCase(host);
        } catch (IllegalArgumentException e) {
            return false; // "null" (a sandboxed frame, a file) or garbage
        }
    }

    /** A new one-time login code, valid for 10 minutes. */
    public String newLoginCode() {
        String code = randomString();
        codes.put(code, System.currentTimeMillis() + CODE.toMillis());
        return code;
    }

    /**
     * {@code GET /login?code=...} from loopback, or {@code POST /login} with an account's user and password or the
     * operator token: a session cookie. Refused for a while after too many failures from the address.
     */
    public void login(Exchange exchange) {
        String code = exchange.getMessage().getHeader("code", String.class);
        String user = exchange.getMessage().getHeader("user", String.class);
        String token = exchange.getMessage().getHeader("token", String.class);
        String from = AuditLog.from(exchange);
        String attempted = code != null ? Operator.LOGIN_LINK.name() : user != null ? user : Operator.TOKEN.name();
        limiter.attempt(from, attempted);
        Operator who = null;
        if (code != null) {
            Long expires = codes.remove(code);
            who = expires != null && expires > System.currentTimeMillis() && fromLoopback(exchange) ? Operator.LOGIN_LINK : null;
        } else if (user != null) {
            who = accounts.verify(user, exchange.getMessage().getHeader("password", String.class)).orElse(null);
        } else if (token != null && operatorToken.matches(token)) {
            who = Operator.TOKEN;
        }
        if (who == null) {
            audit.record(attempted, "login-failed", attempted, null, from);
            throw new InvalidInputException(401, "unauthorized", "the user name or password is wrong, the login code is"
                    + " unknown, used or expired, or the token is wrong");
        }
        limiter.succeeded(from, attempted);
        audit.record(who.name(), "login", who.name(), who.role().key(), from);
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader("Set-Cookie", COOKIE + "=" + newSession(who) + "; Path=/; HttpOnly; SameSite=Strict; Max-Age="
                + SESSION.toSeconds());
        seeOther(exchange, "/");
    }

    /** {@code POST /logout}: the browser forgets its session and goes to the login form. */
    public void logout(Exchange exchange) {
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader("Set-Cookie", COOKIE + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
        seeOther(exchange, "/login");
    }

    private static void seeOther(Exchange exchange, String location) {
        exchange.getMessage().setHeader("Location", location);
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 303);
        exchange.getMessage().setBody("");
    }

    /**
     * A session is {@code <expiry ms>.<account>.<role>.<stamp>.<random>.<signature>}: nothing to keep, so every console
     * node of a cluster (and this one after a restart) accepts it until it expires; a new master key ends every
     * session, a new password or operator token those made with the old one.
     */
    private String newSession(Operator who) {
        String payload = (System.currentTimeMillis() + SESSION.toMillis()) + "." + who.name() + "." + who.role().key()
                + "." + stamp(who) + "." + randomString();
        return payload + "." + signature(payload);
    }

    /** What ends a session besides its expiry: the account's password or the account itself, or the operator token. */
    private String stamp(Operator who) {
        if (who.equals(Operator.TOKEN)) {
            return operatorToken.fingerprint();
        }
        return who.builtIn() ? "-" : accounts.find(who.name()).map(Accounts.Account::stamp).orElse("gone");
    }

    /** The session's operator: an account's current role, a built-in's signed one; null if invalid or expired. */
    private Operator sessionOperator(String session) {
        String[] parts = session.split("\\.");
        if (parts.length != 6) {
            return null;
        }
        String payload = session.substring(0, session.lastIndexOf('.'));
        if (!DeviceKeys.same(signature(payload).getBytes(StandardCharsets.US_ASCII), parts[5].getBytes(StandardCharsets.US_ASCII))) {
            return null;
        }
        try {
            if (Long.parseLong(parts[0]) <= System.currentTimeMillis()) {
                return null;
            }
            Operator signed = new Operator(parts[1], AccountRole.parse(parts[2]));
            if (!parts[3].equals(stamp(signed))) {
                return null; // a new password, an account made again, a new operator token
            }
            return signed.builtIn() ? signed : accounts.find(parts[1]).map(a -> new Operator(a.name(), a.role())).orElse(null);
        } catch (IllegalArgumentException | InvalidInputException e) {
            return null; // not a number, not a role
        }
    }

    private String signature(String payload) {
        return Base64.getUrlEncoder().withoutPadding()
                .encodeToString(DeviceKeys.hmac(sessionKey, payload.getBytes(StandardCharsets.US_ASCII)));
    }

    private static boolean fromLoopback(Exchange exchange) {
        if (exchange.getIn() instanceof HttpMessage http && http.getRequest() != null) {
            try {
                return InetAddress.getByName(http.getRequest().remoteAddress().hostAddress()).isLoopbackAddress();
            } catch (Exception e) {
                return false;
            }
        }
        return false;
    }

    private static String cookie(Exchange exchange) {
        String header = exchange.getMessage().getHeader("Cookie", String.class);
        if (header == null) {
            return null;
        }
        for (String part : header.split(";")) {
            String p = part.trim();
            if (p.startsWith(COOKIE + "=")) {
                return p.substring(COOKIE.length() + 1);
            }
        }
        return null;
    }

    private String randomString() {
        byte[] bytes = new byte[24];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
