package io.sightline.live;

import io.sightline.command.DeviceCommands;
import io.sightline.match.DetectionMatcher;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.support.LifecycleStrategySupport;

/** Receiving roles: the live view (newest frame per device, MJPEG streams) and the console's event stream. */
public class LiveConfiguration implements CamelConfiguration {

    @PropertyInject("sightline.live.max-viewers")
    private int maxViewers;

    @BindToRegistry(value = "liveHub", lazy = true)
    public LiveHub liveHub(DetectionMatcher matcher, DeviceCommands commands) {
        return new LiveHub(matcher, commands::state, maxViewers);
    }

    @BindToRegistry(value = "liveEvents", lazy = true)
    public LiveEvents liveEvents() {
        return new LiveEvents(maxViewers);
    }

    @Override
    public void configure(CamelContext context) {
        LiveHub live = context.getRegistry().lookupByNameAndType("liveHub", LiveHub.class);
        LiveEvents events = context.getRegistry().lookupByNameAndType("liveEvents", LiveEvents.class);
        // open viewers would hold up a graceful stop: their streams end first
        context.addLifecycleStrategy(LifecycleStrategySupport.adapt(LifecycleStrategySupport.onCamelContextStopping(stopping -> {
            live.closeStreams();
            events.closeStreams();
        })));
    }
}
