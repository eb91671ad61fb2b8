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
 * Operator authentication for the API, the live view and the console: the operator token
 * ({@code SIGHTLINE_OPERATOR_TOKEN}) as a bearer token, or a session cookie (signed, so any console node accepts
 * it, also after a restart, until it expires 12 hours after login). A session comes from a one-time
 * login code (printed at start as a link, accepted from loopback only, used once) or from posting the operator
 * token to {@code /login}. 401 without valid credentials, 403 for a device token. A browser attaches the cookie
 * to requests that other pages make too (a page on another port of the same host is even the same site, so
 * SameSite does not stop it): a request that carries the session is refused with 403 {@code cross-origin} unless
 * it comes from the console's own origin, by the browser's Fetch Metadata ({@code Sec-Fetch-Site}) or, from
 * browsers without it, by {@code Origin}.
 */
public class OperatorAuth {

    public static final String COOKIE = "sightline_session";
    private static final Duration SESSION = Duration.ofHours(12);
    private static final Duration CODE = Duration.ofMinutes(10);

    private final byte[] operatorToken;
    /** Signs sessions: any console that knows the operator token accepts them, also after a restart. */
    private final byte[] sessionKey;
    private final SecureRandom random = new SecureRandom();
    private final Map<String, Long> codes = new ConcurrentHashMap<>();

    public OperatorAuth(String operatorToken) {
        this.operatorToken = operatorToken.getBytes(StandardCharsets.UTF_8);
        this.sessionKey = DeviceKeys.hmac(this.operatorToken, "sightline-session".getBytes(StandardCharsets.US_ASCII));
    }

    boolean isOperatorToken(String token) {
        return DeviceKeys.same(operatorToken, token.getBytes(StandardCharsets.UTF_8));
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

    /** First step of every operator route. */
    public void check(Exchange exchange) {
        String token = Bearer.token(exchange);
        if (token != null) {
            if (isOperatorToken(token)) {
                return;
            }
            if (token.indexOf('.') > 0) {
                throw new InvalidInputException(403, "forbidden", "a device token cannot use the operator API");
            }
            throw new InvalidInputException(401, "unauthorized", "the operator token is not valid");
        }
        String session = cookie(exchange);
        if (session != null && validSession(session)) {
            refuseOtherOrigins(exchange);
            return;
        }
        throw new InvalidInputException(401, "unauthorized", "log in: use the login link printed at start, or the operator token");
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

    /** {@code GET /login?code=...} from loopback, or {@code POST /login} with the operator token: a session cookie. */
    public void login(Exchange exchange) {
        String code = exchange.getMessage().getHeader("code", String.class);
        boolean ok;
        if (code != null) {
            Long expires = codes.remove(code);
            ok = expires != null && expires > System.currentTimeMillis() && fromLoopback(exchange);
        } else {
            String token = exchange.getMessage().getHeader("token", String.class);
            ok = token != null && isOperatorToken(token);
        }
        if (!ok) {
            throw new InvalidInputException(401, "unauthorized", "the login code is unknown, used or expired, or the token is wrong");
        }
        String session = newSession();
        exchange.getMessage().removeHeaders("*");
        exchange.getMessage().setHeader("Set-Cookie", COOKIE + "=" + session + "; Path=/; HttpOnly; SameSite=Strict; Max-Age="
                + SESSION.toSeconds());
        exchange.getMessage().setHeader("Location", "/");
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, 303);
        exchange.getMessage().setBody("");
    }

    /**
     * A session is {@code <expiry ms>.<random>.<signature>}, signed with a key made from the operator token: nothing
     * to keep, so every console node of a cluster (and this one after a restart) accepts it until it expires, and a
     * new operator token ends every session.
     */
    private String newSession() {
        String payload = (System.currentTimeMillis() + SESSION.toMillis()) + "." + randomString();
        return payload + "." + signature(payload);
    }

    private boolean validSession(String session) {
        int dot = session.lastIndexOf('.');
        int first = session.indexOf('.');
        if (dot <= first || first <= 0) {
            return false;
        }
        String payload = session.substring(0, dot);
        if (!DeviceKeys.same(signature(payload).getBytes(StandardCharsets.US_ASCII),
                session.substring(dot + 1).getBytes(StandardCharsets.US_ASCII))) {
            return false;
        }
        try {
            return Long.parseLong(session.substring(0, first)) > System.currentTimeMillis();
        } catch (NumberFormatException e) {
            return false;
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
