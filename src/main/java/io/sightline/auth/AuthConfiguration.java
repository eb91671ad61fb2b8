package io.sightline.auth;

import io.sightline.config.Secrets;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.DeviceKeys;
import io.sightline.wire.MasterKeys;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;

import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Receiving roles: the master keys (and a previous one during a rotation), device authentication, the operator's
 * token and sessions, and the per-device rate limit.
 */
public class AuthConfiguration implements CamelConfiguration {

    /**
     * The master key from {@code SIGHTLINE_SECURITY_MASTER_KEY} (or its file); the demo ({@code role=all}) makes
     * one up in memory, never logged. During a rotation also the previous key, until the end of its overlap.
     */
    @BindToRegistry(value = "masterKeys", lazy = true)
    public MasterKeys masterKeys(CamelContext context, @PropertyInject("sightline.role") String role,
                                 @PropertyInject("sightline.security.previous-master-key-until") String previousUntil) {
        String master = Secrets.read(context, "sightline.security.master-key").orElseGet(() -> {
            if (role.trim().equalsIgnoreCase("all")) {
                return DeviceKeys.random();
            }
            throw new IllegalArgumentException("A receiver needs the master key: set SIGHTLINE_SECURITY_MASTER_KEY"
                    + " (or sightline.security.master-key-file); see docs/security.md");
        });
        Optional<String> previous = Secrets.read(context, "sightline.security.previous-master-key");
        if (previous.isEmpty()) {
            return MasterKeys.of(DeviceKeys.parse("master key", master));
        }
        if (previousUntil.isBlank()) {
            throw new IllegalArgumentException("A previous master key needs the end of its overlap: set "
                    + "sightline.security.previous-master-key-until (e.g. 2027-01-31T00:00:00Z); see docs/security.md");
        }
        Instant end;
        try {
            end = Instant.parse(previousUntil.trim());
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException("sightline.security.previous-master-key-until: expected an instant such as "
                    + "2027-01-31T00:00:00Z, was '" + previousUntil + "'");
        }
        return new MasterKeys(DeviceKeys.parse("master key", master), DeviceKeys.parse("previous master key", previous.get()),
                end, System::currentTimeMillis);
    }

    /** Without {@code SIGHTLINE_OPERATOR_TOKEN} nobody knows the token: operators log in with an account or the link. */
    @BindToRegistry(value = "operatorToken", lazy = true)
    public OperatorToken operatorToken(CamelContext context) {
        return new OperatorToken(Secrets.read(context, "sightline.operator-token").orElseGet(DeviceKeys::random));
    }

    @BindToRegistry(value = "operatorAuth", lazy = true)
    public OperatorAuth operatorAuth(OperatorToken token, MasterKeys masterKeys, Accounts accounts, AuditLog audit,
                                     @PropertyInject("sightline.login.max-failures") int maxFailures,
                                     @PropertyInject("sightline.login.window-s") long windowSeconds) {
        return new OperatorAuth(token, masterKeys.derive("sessions"), accounts, new LoginLimiter(maxFailures, windowSeconds * 1000),
                audit);
    }

    @BindToRegistry(value = "accounts", lazy = true)
    public Accounts accounts(@PropertyInject("sightline.accounts.file") String file, @PropertyInject("sightline.data-dir") String dataDir) {
        return new Accounts(file.isBlank() ? Path.of(dataDir, "accounts.json") : Path.of(file));
    }

    @BindToRegistry(value = "auditLog", lazy = true, destroyMethod = "close")
    public AuditLog auditLog(@PropertyInject("sightline.data-dir") String dataDir) {
        return new AuditLog(Path.of(dataDir, "audit.jsonl"));
    }

    @BindToRegistry(value = "deviceAuth", lazy = true)
    public DeviceAuth deviceAuth(MasterKeys masterKeys, OperatorToken operatorToken, SightlineMetrics metrics) {
        return new DeviceAuth(masterKeys, operatorToken, metrics);
    }

    @BindToRegistry(value = "deviceRateLimit", lazy = true)
    public DeviceRateLimit deviceRateLimit(@PropertyInject("sightline.receiver.max-fps-per-device") double maxFps) {
        return new DeviceRateLimit(maxFps);
    }
}
