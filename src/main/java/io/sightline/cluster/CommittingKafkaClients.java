package io.sightline.cluster;

import org.apache.camel.component.kafka.DefaultKafkaClientFactory;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Collection;
import java.util.Map;
import java.util.Properties;

/**
 * The Kafka clients of the segment writers' frames consumer: its consumer commits what the {@link OffsetLedger}
 * allows before every poll, on the consumer's own thread (a Kafka consumer is not for several threads, and the
 * segments are written on the Aggregator's), and tells the ledger when a rebalance takes partitions away, after
 * committing what it may for them. Camel itself commits nothing for this consumer (auto-commit off, no manual
 * commit): the ledger decides.
 */
public class CommittingKafkaClients extends DefaultKafkaClientFactory {

    private static final Logger LOG = LoggerFactory.getLogger(CommittingKafkaClients.class);

    private final OffsetLedger ledger;

    public CommittingKafkaClients(OffsetLedger ledger) {
        this.ledger = ledger;
    }

    @Override
    public Consumer getConsumer(Properties kafkaProps) {
        Consumer<?, ?> consumer = super.getConsumer(kafkaProps);
        return (Consumer) Proxy.newProxyInstance(Consumer.class.getClassLoader(), new Class<?>[] {Consumer.class},
                new Committing(consumer));
    }

    private final class Committing implements InvocationHandler {

        private final Consumer<?, ?> consumer;

        Committing(Consumer<?, ?> consumer) {
            this.consumer = consumer;
        }

        @Override
        public Object invoke(Object proxy, Method method, Object[] args) throws Throwable {
            if (method.getName().equals("poll")) {
                commit(null);
            } else if (method.getName().equals("subscribe") && args != null && args.length == 2
                    && args[1] instanceof ConsumerRebalanceListener camel) {
                args = new Object[] {args[0], new Rebalance(camel)};
            }
            try {
                return method.invoke(consumer, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        }

        /** Commits what the ledger allows (of {@code only} those partitions, when given). */
        void commit(Collection<TopicPartition> only) {
            Map<TopicPartition, OffsetAndMetadata> offsets = ledger.committable();
            if (only != null) {
                offsets.keySet().retainAll(only);
            }
            if (offsets.isEmpty()) {
                return;
            }
            try {
                consumer.commitSync(offsets);
                ledger.committed(offsets);
            } catch (CommitFailedException | RebalanceInProgressException | RetriableException e) {
                // the group is changing: the next poll tries again, or the partition's new owner reads from the last commit
                LOG.debug("Commit of {} not done now: {}", offsets, e.toString());
            }
        }

        private final class Rebalance implements ConsumerRebalanceListener {

            private final ConsumerRebalanceListener camel;

            Rebalance(ConsumerRebalanceListener camel) {
                this.camel = camel;
            }

            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                commit(partitions);
                ledger.forget(partitions);
                camel.onPartitionsRevoked(partitions);
            }

            @Override
            public void onPartitionsLost(Collection<TopicPartition> partitions) {
                ledger.forget(partitions);
                camel.onPartitionsLost(partitions);
            }

            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                ledger.forget(partitions); // read again from the last commit: nothing held from before
                camel.onPartitionsAssigned(partitions);
            }
        }
    }
}
