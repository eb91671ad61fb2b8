package io.sightline.auth;

import io.sightline.config.Secrets;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.DeviceKeys;
import io.sightline.wire.MasterKeys;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;

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

    /** Without {@code SIGHTLINE_OPERATOR_TOKEN} nobody knows the token: operators log in with the start-up link. */
    @BindToRegistry(value = "operatorAuth", lazy = true)
    public OperatorAuth operatorAuth(CamelContext context) {
        return new OperatorAuth(Secrets.read(context, "sightline.operator-token").orElseGet(DeviceKeys::random));
    }

    @BindToRegistry(value = "deviceAuth", lazy = true)
    public DeviceAuth deviceAuth(MasterKeys masterKeys, OperatorAuth operators, SightlineMetrics metrics) {
        return new DeviceAuth(masterKeys, operators, metrics);
    }

    @BindToRegistry(value = "deviceRateLimit", lazy = true)
    public DeviceRateLimit deviceRateLimit(@PropertyInject("sightline.receiver.max-fps-per-device") double maxFps) {
        return new DeviceRateLimit(maxFps);
    }
}
