package io.sightline.live;

import io.sightline.alert.AlertBook;
import io.sightline.command.DeviceCommands;
import io.sightline.match.DetectionMatcher;
import io.sightline.monitor.SightlineMetrics;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.support.LifecycleStrategySupport;

/** Receiving roles: the live view (newest frame per device, MJPEG streams) and the console's event stream. */
public class LiveConfiguration implements CamelConfiguration {

    @PropertyInject("sightline.live.max-viewers")
    private int maxViewers;

    /** Made on first use: the parts without a console (ingest, segments writers of a cluster) make none. */
    private volatile LiveHub hub;
    private volatile LiveEvents events;

    @BindToRegistry(value = "liveHub", lazy = true)
    public LiveHub liveHub(DetectionMatcher matcher, DeviceCommands commands) {
        hub = new LiveHub(matcher, commands::state, maxViewers);
        return hub;
    }

    @BindToRegistry(value = "liveEvents", lazy = true)
    public LiveEvents liveEvents(AlertBook alerts, SightlineMetrics metrics) {
        events = new LiveEvents(alerts, maxViewers);
        metrics.gauge("live.event.viewers", events, LiveEvents::viewers);
        return events;
    }

    @Override
    public void configure(CamelContext context) {
        // open viewers would hold up a graceful stop: their streams end first
        context.addLifecycleStrategy(LifecycleStrategySupport.adapt(LifecycleStrategySupport.onCamelContextStopping(stopping -> {
            if (hub != null) {
                hub.closeStreams();
            }
            if (events != null) {
                events.closeStreams();
            }
        })));
    }
}
