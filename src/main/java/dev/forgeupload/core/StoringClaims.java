package dev.forgeupload.core;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/** Port: which worker stores which upload, retries with backoff, expiry (the pipeline's rows). */
public interface StoringClaims {
  /**
   * Claims an upload for storing: a queued one that is due, or one whose storing worker has been
   * silent for {@code staleAfter} (it died). Counts the attempt.
   */
  Optional<Upload> claimForStoring(UUID id, String worker, Duration staleAfter);

  /** Keeps a claim alive while the transfer runs; false when it is no longer this worker's. */
  boolean renewClaim(UUID id, String worker);

  /**
   * Gives a claim back unfinished (the worker is stopping): {@code queued} again, due now, and the
   * attempt not counted. False when the claim was no longer this worker's.
   */
  boolean releaseClaim(UUID id, String worker);

  /** Records the stored object; false when the claim was lost (deleted, or taken over). */
  boolean markStored(UUID id, String worker, String storageKey, String sha256);

  /**
   * A failed attempt: back to {@code queued} after an exponential backoff, or {@code failed} once
   * {@code maxAttempts} ran out. Empty when the claim was lost.
   */
  Optional<Upload> markAttemptFailed(
      UUID id, String worker, String error, int maxAttempts, Duration backoffBase);

  /** Uploads the queue should hold now: queued and due, or storing under a silent worker. */
  List<UUID> dueForStoring(Duration staleAfter, int limit);

  /** Marks unfinished uploads past their expiry as {@code expired}; returns their ids. */
  List<UUID> expireDue(int limit);

  /** The states of those of {@code ids} that exist. */
  Map<UUID, UploadState> states(Collection<UUID> ids);

}
