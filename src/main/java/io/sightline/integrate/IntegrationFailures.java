package io.sightline.integrate;

import io.sightline.monitor.RepeatedWarnings;
import io.sightline.monitor.SightlineMetrics;
import org.apache.camel.Exchange;

/**
 * A message an integration gave up on after its retries (the broker or the webhook's server away for longer):
 * counted by the route it started in ({@code sightline_integration_failures_total{route=mqtt-alerts / mqtt-states / webhook-alerts}}) and logged at most once per interval. The alert
 * itself is kept in the alert book and shown in the console as always.
 */
public class IntegrationFailures {

    private final RepeatedWarnings warnings;
    private final SightlineMetrics metrics;

    public IntegrationFailures(RepeatedWarnings warnings, SightlineMetrics metrics) {
        this.warnings = warnings;
        this.metrics = metrics;
    }

    public void failed(Exchange exchange) {
        String route = exchange.getFromRouteId();
        metrics.counter("integration.failures", "route", route).increment();
        Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        warnings.warn("integration-" + route, route + " gave up after its retries: " + (e == null ? "unknown" : e.getMessage()));
    }
}
