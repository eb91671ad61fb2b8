package io.sightline.auth;

/**
 * Who makes a request of the operator API: a named account, or one of the built-in principals that need no
 * account - {@code @token} (the operator token, for scripts) and {@code @login-link} (the one-time link printed at
 * start, for the first admin). Both built-ins are admins; account names cannot start with '@'.
 */
public record Operator(String name, AccountRole role) {

    /** The exchange property the operator check leaves for the routes after it (never a header a client could set). */
    public static final String PROPERTY = "sightlineOperator";

    static final Operator TOKEN = new Operator("@token", AccountRole.ADMIN);
    static final Operator LOGIN_LINK = new Operator("@login-link", AccountRole.ADMIN);

    boolean builtIn() {
        return name.startsWith("@");
    }
}
