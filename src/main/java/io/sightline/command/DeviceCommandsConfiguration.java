package io.sightline.command;

import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.MasterKeys;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.PropertyInject;

/** Receiving roles: operator commands to the devices (signing, retries, acknowledgements, automatic RESUME). */
public class DeviceCommandsConfiguration implements CamelConfiguration {

    @BindToRegistry(value = "deviceCommands", lazy = true)
    public DeviceCommands deviceCommands(MasterKeys masterKeys, @PropertyInject("sightline.command.attempts") int attempts,
                                         @PropertyInject("sightline.command.timeout-ms") long timeoutMillis,
                                         @PropertyInject("sightline.alerts.auto-resume-s") long autoResumeSeconds,
                                         SightlineMetrics metrics) {
        return new DeviceCommands(masterKeys, attempts, timeoutMillis, autoResumeSeconds * 1000, metrics);
    }
}
