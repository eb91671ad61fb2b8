package io.sightline.monitor;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;

/**
 * Sightline's own series, named {@code sightline_*} in the Prometheus output of {@code /observe/metrics} (the
 * registry is the one Camel exposes there). Tagged by device where a device is known.
 */
public class SightlineMetrics {

    private static final Duration[] LATENCY_BUCKETS = Stream.of(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 30_000)
            .map(Duration::ofMillis).toArray(Duration[]::new);

    private final MeterRegistry registry;
    /** Micrometer holds the state objects of function counters weakly: they are kept here. */
    private final List<Object> measured = new CopyOnWriteArrayList<>();

    public SightlineMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public Counter counter(String name, String... tags) {
        return registry.counter("sightline." + name, tags);
    }

    /** A timer with histogram buckets from 1 ms to 30 s (for latency quantiles in Prometheus). */
    public Timer timer(String name, String... tags) {
        return Timer.builder("sightline." + name).tags(tags).serviceLevelObjectives(LATENCY_BUCKETS).register(registry);
    }

    public <T> void gauge(String name, T target, ToDoubleFunction<T> value, String... tags) {
        Gauge.builder("sightline." + name, target, value).tags(tags).strongReference(true).register(registry);
    }

    /** A counter whose value lives elsewhere (a monotonically growing count kept by a bean). */
    public void functionCounter(String name, Supplier<Number> value, String... tags) {
        measured.add(value);
        FunctionCounter.builder("sightline." + name, value, v -> v.get().doubleValue()).tags(tags).register(registry);
    }
}
