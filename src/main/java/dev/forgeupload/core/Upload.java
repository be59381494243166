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

  /**
   * The content type to report and serve: a partial upload is opaque bytes (only its final is
   * checked as a whole) whatever its row says; rows written before parts were stored as
   * octet-stream still hold the part's claim.
   */
  public String reportedContentType() {
    return kind == UploadKind.PARTIAL ? ContentPolicy.OCTET_STREAM : contentType;
  }

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
