package dev.forgeupload.shares;

import java.time.OffsetDateTime;
import java.util.UUID;

/** One share link as stored (its token exists only as {@code tokenHash}). */
public record Share(
    UUID id,
    UUID uploadId,
    String tokenHash,
    String createdBy,
    OffsetDateTime createdAt,
    OffsetDateTime expiresAt,
    Integer maxDownloads,
    int downloads,
    OffsetDateTime revokedAt) {

  /** What a link is at {@code now}; the order of the checks is the order of the answers. */
  public enum Status {
    ACTIVE,
    REVOKED,
    EXPIRED,
    USED_UP
  }

  public Status status(OffsetDateTime now) {
    if (revokedAt != null) {
      return Status.REVOKED;
    }
    if (!now.isBefore(expiresAt)) {
      return Status.EXPIRED;
    }
    if (maxDownloads != null && downloads >= maxDownloads) {
      return Status.USED_UP;
    }
    return Status.ACTIVE;
  }
}
