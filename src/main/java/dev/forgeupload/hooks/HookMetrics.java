package dev.forgeupload.hooks;

import dev.forgeupload.core.HookOutbox;
import dev.forgeupload.core.HookType;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Hook meters, named after tusd's where they mean the same: {@code forge_hook_invocations_total}
 * and {@code forge_hook_errors_total} by {@code hooktype} (each attempt counts), the delivery lag
 * of notifications ({@code forge_hook_delivery_lag_seconds}: from the change to the receiver's
 * 2xx), and the backlog ({@code forge_hook_deliveries{state=pending|failed}}, {@code
 * forge_hook_oldest_pending_seconds}).
 */
final class HookMetrics {
  private final Map<HookType, Counter> invocations = new EnumMap<>(HookType.class);
  private final Map<HookType, Counter> errors = new EnumMap<>(HookType.class);
  private final Timer lag;
  private final AtomicReference<HookOutbox.Backlog> backlog =
      new AtomicReference<>(new HookOutbox.Backlog(0, 0, Duration.ZERO));

  HookMetrics(MeterRegistry registry) {
    for (HookType t : HookType.values()) {
      invocations.put(t, Counter.builder("forge.hook.invocations")
          .description("Hook requests sent (each attempt of a notification counts)")
          .tag("hooktype", t.wireName())
          .register(registry));
      errors.put(t, Counter.builder("forge.hook.errors")
          .description("Hook requests that failed (no answer, not 2xx, not a hook response)")
          .tag("hooktype", t.wireName())
          .register(registry));
    }
    lag = Timer.builder("forge.hook.delivery.lag")
        .description("From the change a notification describes to the receiver's 2xx")
        .register(registry);
    Gauge.builder("forge.hook.deliveries", backlog, b -> b.get().pending())
        .description("Notifications not delivered yet, or given up on (failed)")
        .tag("state", "pending")
        .register(registry);
    Gauge.builder("forge.hook.deliveries", backlog, b -> b.get().failed())
        .description("Notifications not delivered yet, or given up on (failed)")
        .tag("state", "failed")
        .register(registry);
    Gauge.builder("forge.hook.oldest.pending", backlog,
            b -> b.get().oldestPending().toMillis() / 1000.0)
        .description("Age of the oldest notification not delivered yet")
        .baseUnit("seconds")
        .register(registry);
  }

  void invoked(HookType t) {
    invocations.get(t).increment();
  }

  void failed(HookType t) {
    errors.get(t).increment();
  }

  void delivered(Duration sinceChange) {
    lag.record(sinceChange.isNegative() ? Duration.ZERO : sinceChange);
  }

  void backlog(HookOutbox.Backlog b) {
    backlog.set(b);
  }
}
