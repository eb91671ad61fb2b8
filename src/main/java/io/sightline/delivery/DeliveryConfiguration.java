package io.sightline.delivery;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.sightline.monitor.HealthChecks;
import io.sightline.monitor.SightlineMetrics;
import io.sightline.wire.SenderIdentity;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.net.TrustOptions;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.PropertyInject;
import org.apache.camel.CamelContext;
import org.apache.camel.support.jsse.SSLContextParameters;
import org.apache.camel.support.jsse.TrustManagersParameters;

import java.nio.file.Path;
import java.time.Duration;

/** Sending roles: the HTTP delivery steps, the stream's connection, the circuit breaker, the disk spool and the receiver's readiness check. */
public class DeliveryConfiguration implements CamelConfiguration {

    @BindToRegistry(value = "spool", lazy = true)
    public Spool spool(@PropertyInject("sightline.spool.dir") String dir, @PropertyInject("sightline.spool.max-bytes") long maxBytes,
                       SenderIdentity identity, SightlineMetrics metrics) {
        return new Spool(Path.of(dir), maxBytes, metrics, identity.device());
    }

    @BindToRegistry(value = "delivery", lazy = true)
    public Delivery delivery(SenderIdentity identity, SightlineMetrics metrics, LinkEstimate link) {
        return new Delivery(metrics, identity.device(), identity.httpToken(), link);
    }

    /** One WebSocket to the receiver for every frame, on an event loop of its own; with https, wss trusting what the https component trusts. */
    @BindToRegistry(value = "frameStream", lazy = true, destroyMethod = "close")
    public FrameStream frameStream(CamelContext context, Delivery delivery,
                                   @PropertyInject("sightline.receiver.host") String host,
                                   @PropertyInject("sightline.receiver.http-port") int port,
                                   @PropertyInject("sightline.receiver.scheme") String scheme,
                                   @PropertyInject("sightline.sender.stream-connections") int connections,
                                   @PropertyInject("sightline.sender.connect-timeout-ms") long connectTimeoutMillis,
                                   @PropertyInject("sightline.sender.response-timeout-ms") long responseTimeoutMillis,
                                   @PropertyInject("sightline.sender.stream-ping-ms") long pingMillis) throws Exception {
        WebSocketClientOptions options = new WebSocketClientOptions();
        SSLContextParameters tls = context.getSSLContextParameters();
        if (tls != null && tls.getTrustManagers() != null) {
            TrustManagersParameters trust = tls.getTrustManagers();
            trust.setCamelContext(context); // the key store's resource is resolved through the context
            if (trust.getKeyStore() != null) {
                trust.getKeyStore().setCamelContext(context);
            }
            options.setTrustOptions(TrustOptions.wrap(trust.createTrustManagers()[0]));
        }
        // its own event loop, not bound: platform-http takes the one Vert.x of the registry (role all has both)
        Vertx eventLoop = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1).setInternalBlockingPoolSize(1));
        return new FrameStream(eventLoop, true, options, host, port, scheme.equals("https"), delivery.authorization(),
                connections, connectTimeoutMillis, responseTimeoutMillis, pingMillis);
    }

    /** What the uplink carries, from the acknowledgements (docs/reliability.md gives the law). */
    @BindToRegistry(value = "linkEstimate", lazy = true)
    public LinkEstimate linkEstimate(@PropertyInject("sightline.link.initial-bps") double initialBps,
                                     @PropertyInject("sightline.link.min-bps") double minBps,
                                     @PropertyInject("sightline.link.max-bps") double maxBps) {
        return new LinkEstimate(initialBps, minBps, maxBps, System::nanoTime);
    }

    /** The captured frame as rung 0, then {@code sightline.live.ladder} (rungs above the capture left out). */
    @BindToRegistry(value = "ladder", lazy = true)
    public Ladder ladder(@PropertyInject("sightline.capture.width") int width, @PropertyInject("sightline.capture.height") int height,
                         @PropertyInject("sightline.capture.fps") double fps, @PropertyInject("sightline.jpeg.quality") int quality,
                         @PropertyInject("sightline.live.ladder") String rungs) {
        return Ladder.parse(new Ladder.Rung(width, height, fps, quality), rungs);
    }

    @BindToRegistry(value = "liveLane", lazy = true)
    public LiveLane liveLane(Ladder ladder, LinkEstimate link, @PropertyInject("sightline.live.policy") String policy,
                             @PropertyInject("sightline.live.headroom") double headroom,
                             @PropertyInject("sightline.live.queue-ms") long queueMillis,
                             @PropertyInject("sightline.archive.max-bps") double archiveMaxBps,
                             @PropertyInject("sightline.sender.block-when-busy") boolean blockWhenBusy,
                             SenderIdentity identity, SightlineMetrics metrics) {
        return new LiveLane(ladder, LiveLane.Policy.parse(policy), headroom, queueMillis, archiveMaxBps, blockWhenBusy,
                link, System::nanoTime, metrics, identity.device());
    }

    /**
     * One breaker for the live and replay paths: when the receiver keeps failing, frames go straight to the
     * spool for a while instead of each waiting for a timeout.
     */
    @BindToRegistry(value = "receiverBreaker", lazy = true)
    public CircuitBreaker receiverBreaker(@PropertyInject("sightline.sender.breaker.window") int window,
                                          @PropertyInject("sightline.sender.breaker.min-calls") int minCalls,
                                          @PropertyInject("sightline.sender.breaker.open-ms") long openMillis) {
        return CircuitBreaker.of("receiver", CircuitBreakerConfig.custom()
                .slidingWindowSize(window)
                .minimumNumberOfCalls(minCalls)
                .failureRateThreshold(50)
                .waitDurationInOpenState(Duration.ofMillis(openMillis))
                .permittedNumberOfCallsInHalfOpenState(2)
                .automaticTransitionFromOpenToHalfOpenEnabled(true)
                .build());
    }

    @PropertyInject("sightline.health.receiver-timeout-ms")
    private long receiverTimeoutMillis;

    @Override
    public void configure(CamelContext context) {
        // bound now, not on first use: Camel looks for health checks at start
        Delivery delivery = context.getRegistry().lookupByNameAndType("delivery", Delivery.class);
        context.getRegistry().bind("health-receiver-reachable", HealthChecks.exposed(HealthChecks.receiverReachable(
                delivery::lastAcknowledged, receiverTimeoutMillis), context.getRegistry().lookupByNameAndType("metrics", SightlineMetrics.class)));
    }
}
