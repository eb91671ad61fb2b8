package io.sightline.compat;

import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.Ids;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.PropertyInject;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Receiving roles: the old Python senders' protocol (routes/receiver-compat.camel.yaml, off by default). */
public class CompatConfiguration implements CamelConfiguration {

    @BindToRegistry(value = "compatProtocol", lazy = true)
    public CompatProtocol compatProtocol(@PropertyInject("sightline.compat.devices") String devices,
                                         @PropertyInject("sightline.segment.seconds") long segmentSeconds) {
        return new CompatProtocol(addressMap(devices), segmentSeconds * 1000, "compat-" + Ids.newStreamId(),
                System::currentTimeMillis);
    }

    @BindToRegistry(value = "clipImport", lazy = true)
    public ClipImport clipImport(CompatProtocol protocol, @PropertyInject("sightline.segments-dir") String segmentsDir,
                                 SightlineMetrics metrics) {
        return new ClipImport(protocol, Path.of(segmentsDir), metrics);
    }

    /** {@code address=device,address=device}: the compat ingest's names for old senders. */
    private static Map<String, String> addressMap(String list) {
        Map<String, String> map = new HashMap<>();
        for (String entry : list.split(",")) {
            String[] pair = entry.trim().split("=", 2);
            if (pair.length == 2) {
                map.put(pair[0].trim(), Ids.require("device", pair[1].trim()));
            } else if (!entry.isBlank()) {
                throw new IllegalArgumentException("sightline.compat.devices: expected address=device, was '" + entry + "'");
            }
        }
        return map;
    }
}
