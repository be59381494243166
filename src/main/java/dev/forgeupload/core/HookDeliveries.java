package dev.forgeupload.core;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Port: what admins see of hook deliveries, and redelivering one. */
public interface HookDeliveries {

  record View(
      UUID id,
      long seq,
      String event,
      UUID uploadId,
      String state,
      int attempts,
      Integer lastStatus,
      String lastError,
      OffsetDateTime createdAt,
      OffsetDateTime deliveredAt) {}

  /** Newest first; each filter may be null; {@code beforeSeq} continues a listing. */
  List<View> list(UUID uploadId, String state, Long beforeSeq, int limit);

  /**
   * Sends the event again (same webhook-id), now, with a fresh retry window; empty when there is
   * no such delivery.
   */
  Optional<View> redeliver(UUID id);
}
