package dev.forgeupload.queue;

import java.util.UUID;

/**
 * The names of everything one deployment keeps in Redis, all under its namespace {@code prefix}
 * (a key's deployment is what comes before its first {@code ':'}): the job stream, the pending
 * markers, the event channel, the rate buckets, and the consumer group. The group also carries
 * the database's deployment id, so two databases configured with the same prefix still read the
 * shared stream each in a group of its own: a job one of them cannot use stays for the other.
 */
public record RedisNames(String prefix, String deploymentId) {

  /** The default namespace of the database with this deployment id. */
  public static String defaultPrefix(String deploymentId) {
    return "forge-" + deploymentId;
  }

  /** {@code explicit} (FORGE_REDIS_PREFIX) when set, else the database's default. */
  public static RedisNames of(String explicit, String deploymentId) {
    return new RedisNames(explicit != null ? explicit : defaultPrefix(deploymentId), deploymentId);
  }

  /** The Redis Stream of storage jobs. */
  public String jobs() {
    return prefix + ":jobs";
  }

  /** The consumer group this database's workers read {@link #jobs()} in. */
  public String workers() {
    return prefix + ":workers-" + deploymentId;
  }

  /** The marker saying a job for the upload is pending. */
  public String pending(UUID uploadId) {
    return prefix + ":pending:" + uploadId;
  }

  /** The pub/sub channel of progress and state events. */
  public String events() {
    return prefix + ":events";
  }

  /** The token bucket of a rate-limit key. */
  public String rate(String key) {
    return prefix + ":rate:" + key;
  }
}
