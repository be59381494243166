package dev.forgeupload.shares;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** Port: where share links live (PostgreSQL in production, a map in unit tests). */
public interface ShareStore {
  Share insert(Share share);

  /** The upload's links, newest first. */
  List<Share> forUpload(UUID uploadId);

  Optional<Share> find(UUID id);

  Optional<Share> findByHash(String tokenHash);

  /** Marks the link revoked (once); false when it does not exist. */
  boolean revoke(UUID id, OffsetDateTime at);

  /**
   * Counts one download, atomically: only while the link is not revoked, not expired at {@code
   * now} and below its maximum. The link after the count, or empty when it may not be used.
   */
  Optional<Share> countDownload(String tokenHash, OffsetDateTime now);
}
