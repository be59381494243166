package dev.forgeupload.config;

import java.time.Duration;

/**
 * The write path's clocks: when unfinished uploads expire, how often a long PATCH checkpoints,
 * the upload locks' lease, wait and stall times, how often live progress is published, and how
 * long a share link lives at most (and by default).
 */
public record UploadConfig(
    Duration uploadExpiry,
    Duration checkpointInterval,
    Duration lockLease,
    Duration lockWait,
    Duration stallTimeout,
    Duration progressInterval,
    Duration shareMax) {

  static UploadConfig read(EnvReader r) {
    return new UploadConfig(
        r.seconds("FORGE_UPLOAD_EXPIRY_SECONDS", 7 * 24 * 3600, 1),
        r.seconds("FORGE_CHECKPOINT_SECONDS", 1, 0),
        r.seconds("FORGE_LOCK_LEASE_SECONDS", 6, 2),
        r.seconds("FORGE_LOCK_WAIT_SECONDS", 3, 0),
        r.seconds("FORGE_STALL_SECONDS", 3, 1),
        Duration.ofMillis(r.longValue("FORGE_PROGRESS_INTERVAL_MILLIS", 250, 0, 60_000)),
        r.seconds("FORGE_SHARE_MAX_SECONDS", 7 * 24 * 3600, 1));
  }
}
