package io.sightline.cluster;

import io.sightline.monitor.RepeatedWarnings;
import io.sightline.monitor.SightlineMetrics;
import org.apache.camel.BindToRegistry;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.PropertyInject;
import org.apache.camel.component.kafka.serde.ToStringKafkaHeaderDeserializer;

import java.time.Duration;

/**
 * Receiving parts on the Kafka bus ({@code sightline.bus=kafka}): the topics, made at start when missing, the
 * segment writers' offset ledger and their committing consumer, and record headers read as text (the frame's
 * metadata travels in the headers of the POST that brought it).
 */
public class ClusterConfiguration implements CamelConfiguration {

    @PropertyInject("sightline.bus")
    private String bus;
    @PropertyInject("sightline.kafka.brokers")
    private String brokers;
    @PropertyInject("sightline.kafka.frames-topic")
    private String framesTopic;
    @PropertyInject("sightline.kafka.detections-topic")
    private String detectionsTopic;
    @PropertyInject("sightline.kafka.alerts-topic")
    private String alertsTopic;
    @PropertyInject("sightline.kafka.partitions")
    private int partitions;
    @PropertyInject("sightline.kafka.replication-factor")
    private short replicas;
    @PropertyInject("sightline.kafka.min-insync-replicas")
    private int minInSync;
    @PropertyInject("sightline.kafka.max-message-bytes")
    private int maxMessageBytes;
    @PropertyInject("sightline.kafka.frames-retention-hours")
    private long framesRetentionHours;
    @PropertyInject("sightline.kafka.start-timeout-ms")
    private long startTimeoutMillis;
    @PropertyInject("sightline.frame.max-bytes")
    private long frameMaxBytes;

    /** Room for a frame's metadata headers and Kafka's record framing beside its JPEG. */
    static final int RECORD_OVERHEAD = 65_536;

    /** Its gauge {@code sightline_kafka_frames_held}: frames read from Kafka and not yet in a written segment. */
    @BindToRegistry(value = "offsetLedger", lazy = true)
    public OffsetLedger offsetLedger(SightlineMetrics metrics) {
        OffsetLedger ledger = new OffsetLedger();
        metrics.gauge("kafka.frames.held", ledger, OffsetLedger::held);
        return ledger;
    }

    @BindToRegistry(value = "committingKafkaClients", lazy = true)
    public CommittingKafkaClients committingKafkaClients(OffsetLedger ledger) {
        return new CommittingKafkaClients(ledger);
    }

    @BindToRegistry(value = "skippedRecords", lazy = true)
    public SkippedRecords skippedRecords(RepeatedWarnings warnings, SightlineMetrics metrics) {
        return new SkippedRecords(warnings, metrics);
    }

    @BindToRegistry(value = "textHeaders", lazy = true)
    public ToStringKafkaHeaderDeserializer textHeaders() {
        return new ToStringKafkaHeaderDeserializer();
    }

    @Override
    public void configure(CamelContext context) {
        if (!bus.trim().equals("kafka")) {
            return;
        }
        if (maxMessageBytes < frameMaxBytes + RECORD_OVERHEAD) {
            throw new IllegalArgumentException("sightline.kafka.max-message-bytes (" + maxMessageBytes + ") must be at least"
                    + " sightline.frame.max-bytes + " + RECORD_OVERHEAD + " (" + (frameMaxBytes + RECORD_OVERHEAD) + ")");
        }
        KafkaTopics.ensure(new KafkaTopics.Plan(brokers, framesTopic, detectionsTopic, alertsTopic, partitions, replicas,
                minInSync, maxMessageBytes, Duration.ofHours(framesRetentionHours).toMillis()),
                Duration.ofMillis(startTimeoutMillis));
    }
}
