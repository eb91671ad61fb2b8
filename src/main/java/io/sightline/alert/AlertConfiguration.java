package io.sightline.alert;

import io.sightline.monitor.SightlineMetrics;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.PropertyInject;

import io.sightline.wire.Detection;

import java.nio.file.Path;

/** Receiving roles: the alert rules and the alert book ({@code data/alerts.jsonl}). */
public class AlertConfiguration implements CamelConfiguration {

    @BindToRegistry(value = "alertBook", lazy = true)
    public AlertBook alertBook(@PropertyInject("sightline.alerts.labels") String labels,
                               @PropertyInject("sightline.alerts.min-confidence") double minConfidence,
                               @PropertyInject("sightline.alerts.min-box-area") double minBoxArea,
                               @PropertyInject("sightline.alerts.cooldown-s") long cooldownSeconds,
                               @PropertyInject("sightline.data-dir") String dataDir, SightlineMetrics metrics) {
        AlertRules rules = new AlertRules(Detection.labels(labels), minConfidence, minBoxArea, cooldownSeconds * 1000);
        return new AlertBook(rules, Path.of(dataDir).resolve("alerts.jsonl"), metrics);
    }
}
