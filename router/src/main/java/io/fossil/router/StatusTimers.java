package io.fossil.router;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One latency timer per HTTP status under one name, each registered once: looking the timer up in
 * the registry on every request showed in the append path's profile.
 */
final class StatusTimers {

  private final MeterRegistry registry;
  private final String name;
  private final String description;
  private final ConcurrentHashMap<Integer, Timer> timers = new ConcurrentHashMap<>();

  StatusTimers(MeterRegistry registry, String name, String description) {
    this.registry = registry;
    this.name = name;
    this.description = description;
  }

  Timer forStatus(int status) {
    return timers.computeIfAbsent(
        status,
        s ->
            Timer.builder(name)
                .description(description)
                .tag("status", Integer.toString(s))
                .publishPercentileHistogram()
                .register(registry));
  }
}
