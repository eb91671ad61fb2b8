package io.sightline.match;

import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.MasterKeys;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.PropertyInject;

/** Receiving roles: the datagram guard (MAC, replays, clock skew) and the matching of datagrams to frames. */
public class MatchConfiguration implements CamelConfiguration {

    @BindToRegistry(value = "datagramGuard", lazy = true)
    public DatagramGuard datagramGuard(MasterKeys masterKeys, @PropertyInject("sightline.security.max-skew-ms") long maxSkewMillis,
                                       SightlineMetrics metrics) {
        return new DatagramGuard(masterKeys, maxSkewMillis, System::currentTimeMillis, metrics);
    }

    @BindToRegistry(value = "detectionMatcher", lazy = true)
    public DetectionMatcher detectionMatcher(SightlineMetrics metrics) {
        return new DetectionMatcher(metrics);
    }
}
