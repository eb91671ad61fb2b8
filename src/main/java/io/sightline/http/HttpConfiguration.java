package io.sightline.http;

import io.sightline.auth.DeviceAuth;
import io.sightline.monitor.SightlineMetrics;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.support.LifecycleStrategySupport;

/**
 * Receiving roles: the receiver's HTTP server (Camel's platform-http on Vert.x, {@code camel.server.*}) with its
 * idle timeout and readiness gate, the upload deadline, the JSON answers of the server's own refusals, and the
 * streamed ingest's WebSocket endpoint, installed on the same router once the routes run.
 */
public class HttpConfiguration implements CamelConfiguration {

    @PropertyInject("sightline.receiver.http-port")
    private int port;
    @PropertyInject("sightline.receiver.upload-timeout-ms")
    private long uploadTimeoutMillis;
    @PropertyInject("sightline.receiver.stream-workers")
    private int streamWorkers;

    @BindToRegistry(value = "readiness", lazy = true)
    public Readiness readiness() {
        return new Readiness();
    }

    /** The streamed ingest, {@code /api/v1/stream}: its frames go through {@code direct:frames-stream}. */
    @BindToRegistry(value = "streamIngest", lazy = true)
    public StreamIngest streamIngest(CamelContext context, DeviceAuth deviceAuth, SightlineMetrics metrics,
                                     @PropertyInject("sightline.receiver.stream-window") int window) {
        return new StreamIngest(context.createProducerTemplate(), "direct:frames-stream", deviceAuth, window, metrics);
    }

    @BindToRegistry(value = "responseHeaders", lazy = true)
    public ResponseHeaders responseHeaders() {
        return new ResponseHeaders();
    }

    /** The Vert.x instance platform-http runs on (it uses the one bound as {@code vertx}). */
    @BindToRegistry(value = "vertx", lazy = true, destroyMethod = "close")
    public Vertx vertx(@PropertyInject("sightline.live.max-viewers") int maxViewers,
                       @PropertyInject("sightline.receiver.idle-timeout-s") int idleSeconds,
                       @PropertyInject("sightline.receiver.max-request-bytes") int maxRequestBytes, Readiness readiness,
                       SightlineMetrics metrics) {
        // streamed responses (live MJPEG, event streams) each hold a worker thread while they wait
        Vertx real = Vertx.vertx(new VertxOptions().setWorkerPoolSize(20 + 2 * maxViewers));
        return ServerVertx.wrap(real, idleSeconds, maxRequestBytes, port, readiness::isOpen, metrics.counter("http.refused", "reason", "not-ready"));
    }

    @Override
    public void configure(CamelContext context) throws Exception {
        Readiness readiness = context.getRegistry().lookupByNameAndType("readiness", Readiness.class);
        SightlineMetrics metrics = context.getRegistry().lookupByNameAndType("metrics", SightlineMetrics.class);
        context.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
                // the routes start next; requests wait for them behind the readiness gate
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext started, boolean alreadyStarted) {
                VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(started,
                        VertxPlatformHttpRouter.getRouterNameFromPort(port));
                if (router != null) { // a part without the HTTP server (segments) has none
                    HttpGuards.install(router, uploadTimeoutMillis, metrics);
                    if (started.getRoute("frames-stream-in") != null) { // the parts that ingest
                        started.getRegistry().lookupByNameAndType("streamIngest", StreamIngest.class).install(router, streamWorkers);
                    }
                }
                readiness.open();
            }
        });
        // from the first moment of a stop, new requests get 503
        context.addLifecycleStrategy(LifecycleStrategySupport.adapt(
                LifecycleStrategySupport.onCamelContextStopping(stopping -> readiness.close())));
    }
}
