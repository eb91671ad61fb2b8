package io.sightline.cluster;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Creates the cluster's topics when they are missing, before any route produces or consumes (a topic Kafka made
 * on first use would have the broker's defaults: one replica, 1 MB messages). Frames and detections are keyed by
 * device, so a device's frames keep their order in one partition; alerts are keyed by alert id and compacted, so
 * the newest state of every alert stays for a console that starts later.
 */
public final class KafkaTopics {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaTopics.class);

    /** What the topics are made with. */
    public record Plan(String brokers, String frames, String detections, String alerts, int partitions,
                       short replicas, int minInSync, int maxMessageBytes, long framesRetentionMillis) {
    }

    private KafkaTopics() {
    }

    /** Creates what is missing; waits up to {@code timeout} for the brokers, then fails the start. */
    public static void ensure(Plan plan, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, plan.brokers()));
        try {
            while (true) {
                try {
                    create(admin, plan, deadline);
                    return;
                } catch (ExecutionException | TimeoutException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("Kafka at " + plan.brokers() + " did not answer within "
                                + timeout.toSeconds() + " s (sightline.kafka.brokers, sightline.kafka.start-timeout-ms)", e);
                    }
                    LOG.info("Waiting for Kafka at {}: {}", plan.brokers(), e.getMessage());
                    TimeUnit.SECONDS.sleep(1);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating the Kafka topics", e);
        } finally {
            admin.close(Duration.ofSeconds(1)); // a call still waiting for absent brokers is abandoned, not awaited
        }
    }

    private static void create(Admin admin, KafkaTopics.Plan plan, long deadline)
            throws ExecutionException, InterruptedException, TimeoutException {
        long left = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
        Set<String> existing = admin.listTopics().names().get(left, TimeUnit.MILLISECONDS);
        String common = String.valueOf(plan.minInSync());
        String size = String.valueOf(plan.maxMessageBytes());
        List<NewTopic> missing = new ArrayList<>();
        if (!existing.contains(plan.frames())) {
            missing.add(new NewTopic(plan.frames(), plan.partitions(), plan.replicas()).configs(Map.of(
                    TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, common, TopicConfig.MAX_MESSAGE_BYTES_CONFIG, size,
                    TopicConfig.RETENTION_MS_CONFIG, String.valueOf(plan.framesRetentionMillis()))));
        }
        if (!existing.contains(plan.detections())) {
            missing.add(new NewTopic(plan.detections(), plan.partitions(), plan.replicas()).configs(Map.of(
                    TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, common, TopicConfig.RETENTION_MS_CONFIG,
                    String.valueOf(plan.framesRetentionMillis()))));
        }
        if (!existing.contains(plan.alerts())) {
            missing.add(new NewTopic(plan.alerts(), 1, plan.replicas()).configs(Map.of(
                    TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, common,
                    TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        }
        for (NewTopic topic : missing) {
            try {
                admin.createTopics(List.of(topic)).all().get(left, TimeUnit.MILLISECONDS);
                LOG.info("Created Kafka topic {} ({} partitions, {} replicas)", topic.name(), topic.numPartitions(),
                        topic.replicationFactor());
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e; // another node made it meanwhile: fine
                }
            }
        }
    }
}
