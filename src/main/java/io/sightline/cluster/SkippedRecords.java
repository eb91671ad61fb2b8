package io.sightline.cluster;

import io.sightline.monitor.RepeatedWarnings;
import io.sightline.monitor.SightlineMetrics;
import org.apache.camel.Exchange;
import org.apache.camel.component.kafka.KafkaConstants;

/**
 * A Kafka record a route could not use: counted by route ({@code sightline_kafka_records_skipped_total}) and
 * logged at most once per interval, with where it lies; the consumer goes on with the next record.
 */
public class SkippedRecords {

    private final RepeatedWarnings warnings;
    private final SightlineMetrics metrics;

    public SkippedRecords(RepeatedWarnings warnings, SightlineMetrics metrics) {
        this.warnings = warnings;
        this.metrics = metrics;
    }

    public void skip(Exchange exchange) {
        String route = exchange.getFromRouteId();
        metrics.counter("kafka.records.skipped", "route", route).increment();
        Exception e = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        warnings.warnLazily("kafka-record-skipped", () -> route + " skipped the record at "
                + exchange.getMessage().getHeader(KafkaConstants.TOPIC) + "/" + exchange.getMessage().getHeader(KafkaConstants.PARTITION)
                + "@" + exchange.getMessage().getHeader(KafkaConstants.OFFSET) + ": " + (e == null ? "unknown" : e.getMessage()));
    }
}
