package dev.forgeupload.core;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * Port: the notifications waiting to be delivered (PostgreSQL). The database writes an event
 * with the change it describes; deliverers on any node claim due ones (one upload's events one
 * at a time, oldest first), and report each attempt.
 */
public interface HookOutbox {

  /** One event as the change left the upload; {@code request} is tusd's HTTPRequest as JSON. */
  record Delivery(
      UUID id,
      UUID uploadId,
      HookType type,
      Long length,
      long offset,
      Map<String, String> metadata,
      UploadKind kind,
      List<UUID> parts,
      String storageKey,
      String sha256,
      String request,
      int attempts,
      OffsetDateTime createdAt,
      OffsetDateTime retryFrom) {}

  /** Outstanding work, for the metrics. */
  record Backlog(long pending, long failed, Duration oldestPending) {}

  /**
   * Which notifications the database writes from now on, post-receive's minimum spacing, and how
   * long a post-finish waits for its pre-finish at most (zero: not at all).
   */
  void configure(Set<HookType> events, Duration progressInterval, Duration finishHold);

  /** pre-finish has answered for {@code uploadId}: its post-finish may go. */
  void releaseFinish(UUID uploadId);

  /** The tus request about to change {@code uploadId}, for the events it causes. */
  void recordRequest(UUID uploadId, String method, String requestJson);

  /**
   * Up to {@code max} due deliveries, each the oldest pending event of its upload, leased to
   * {@code node} for {@code lease} (its attempt counted).
   */
  List<Delivery> claim(String node, int max, Duration lease);

  void delivered(UUID id, int status);

  /** An attempt failed: retry after {@code retryIn}, or (null) give up: the event is failed. */
  void failed(UUID id, Integer status, String error, Duration retryIn);

  /** Makes every pending event due now (the receiver answers again); returns how many. */
  int retryNow();

  /** A post-receive hook stopped {@code uploadId}; {@code replyJson} is what its client gets. */
  void requestStop(UUID uploadId, String replyJson);

  /** The stop requests for these uploads, by upload; each is returned (and removed) once. */
  Map<UUID, String> takeStops(Collection<UUID> uploadIds);

  /** Forgets delivered and failed events, request records and stops older than {@code keep}. */
  void sweep(Duration keep);

  Backlog backlog();
}
