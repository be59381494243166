package dev.forgeupload.core;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Port: the queue of uploads to store. It may lose everything at any time (PostgreSQL is the
 * truth and the reconciler re-enqueues); a job may be delivered more than once.
 */
public interface JobQueue extends AutoCloseable {

  /** Adds a job unless one for this upload is already pending. */
  void enqueue(UUID uploadId);

  /** {@link #enqueue} for each upload; an implementation may send them in one round trip. */
  default void enqueueAll(List<UUID> uploadIds) {
    for (UUID id : uploadIds) {
      enqueue(id);
    }
  }

  /** True while a job for the upload is queued or being worked on. */
  boolean isPending(UUID uploadId);

  /** The next new job for this consumer, waiting up to {@code block}. */
  Optional<Job> next(String consumer, Duration block);

  /** Jobs another consumer took but has not acknowledged for {@code minIdle} (it died). */
  List<Job> claimStale(String consumer, Duration minIdle, int count);

  /**
   * The consumer is still working on the job: it must not look abandoned to {@link #claimStale}
   * (its idle time starts again). A worker calls this while it stores, as often as it renews its
   * claim in PostgreSQL.
   */
  void touch(Job job, String consumer);

  /** The job is done (or given up): it leaves the queue and the upload is no longer pending. */
  void ack(Job job);

  /**
   * The job's upload is not in this deployment's database (another deployment shares the queue):
   * this deployment is not handed the job again, and the job stays, still pending, for its owner.
   */
  void leave(Job job);

  boolean isReachable();

  @Override
  void close();

  record Job(String messageId, UUID uploadId) {}
}
