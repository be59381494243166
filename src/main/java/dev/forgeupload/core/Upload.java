package dev.forgeupload.core;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** One upload as stored in the metadata database. {@code length} is null while deferred. */
public record Upload(
    UUID id,
    String owner,
    String filename,
    String contentType,
    Long length,
    long offset,
    UploadState state,
    UploadKind kind,
    List<UUID> concatParts,
    Map<String, String> metadata,
    String metadataHeader,
    String sha256,
    String storageKey,
    String error,
    String creatorAddress,
    OffsetDateTime createdAt,
    OffsetDateTime updatedAt,
    OffsetDateTime completedAt,
    OffsetDateTime storedAt,
    OffsetDateTime expiresAt) {

  public boolean hasLength() {
    return length != null;
  }

  /** All bytes are in (for a final concatenation: all parts are complete). */
  public boolean isComplete() {
    return completedAt != null;
  }

  public boolean isExpired(OffsetDateTime now) {
    return !isComplete() && expiresAt != null && expiresAt.isBefore(now);
  }
}
