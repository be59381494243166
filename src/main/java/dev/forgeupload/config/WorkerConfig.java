package dev.forgeupload.config;

import java.time.Duration;
import java.util.OptionalInt;

/**
 * The storage workers and the reconciler ({@code FORGE_WORKER_*}, {@code FORGE_RECONCILE_*}).
 * {@code healthPort}: where {@code worker} mode serves /healthz and /readyz (unset: nowhere; 0:
 * any free port, logged); the server ignores it (its health paths are on its HTTP port).
 * {@code compression}: how the worker keeps objects that compress ({@code FORGE_COMPRESSION}).
 */
public record WorkerConfig(
    int concurrency,
    int maxAttempts,
    Duration backoff,
    Duration claimIdle,
    Duration reconcileInterval,
    OptionalInt healthPort,
    String compression,
    Duration holdBeforeCommit) {

  static WorkerConfig read(EnvReader r) {
    return new WorkerConfig(
        r.intValue("FORGE_WORKER_CONCURRENCY", 2, 0, 256),
        r.intValue("FORGE_WORKER_MAX_ATTEMPTS", 10, 1, 1000),
        r.seconds("FORGE_WORKER_BACKOFF_SECONDS", 1, 0),
        r.seconds("FORGE_WORKER_CLAIM_IDLE_SECONDS", 30, 1),
        r.seconds("FORGE_RECONCILE_SECONDS", 5, 1),
        r.optional("FORGE_WORKER_HEALTH_PORT") == null
            ? OptionalInt.empty()
            : OptionalInt.of(r.intValue("FORGE_WORKER_HEALTH_PORT", 0, 0, 65535)),
        r.oneOf("FORGE_COMPRESSION", "zstd", "zstd", "lz4", "none"),
        // fault tests only: a pause between writing an object and recording it
        r.seconds("FORGE_TEST_HOLD_BEFORE_COMMIT_SECONDS", 0, 0));
  }
}
