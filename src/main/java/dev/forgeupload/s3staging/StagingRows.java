package dev.forgeupload.s3staging;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Port: what S3 staging keeps in PostgreSQL per upload (tables {@code s3_staging},
 * {@code s3_staging_parts}, {@code s3_staging_checkpoints}); the db package implements it.
 */
public interface StagingRows {
  Optional<Staged> find(UUID id);

  void insert(Staged s);

  /** Records (or replaces, after a resume) the ETag of one part. */
  void putPart(UUID id, int number, String etag);

  /** Parts 1..{@code upTo}, in order. */
  List<S3Parts.Part> parts(UUID id, int upTo);

  void putCheckpoint(UUID id, Checkpoint c);

  Optional<Checkpoint> checkpoint(UUID id, long offset);

  List<Checkpoint> checkpoints(UUID id);

  void deleteCheckpoint(UUID id, long offset);

  /** The first bytes (up to the content check's window), kept once complete. */
  void setHead(UUID id, byte[] head);

  void markSealed(UUID id);

  void markHandedOver(UUID id);

  void delete(UUID id);

  /** Every staged upload with its age. */
  List<Aged> all();

  /** Which of these multipart upload ids a row owns. */
  Set<String> owned(Collection<String> multipartIds);

  record Staged(UUID id, String objectKey, String multipartId, long partBytes, byte[] head,
      boolean sealed, boolean handedOver) {}

  record Checkpoint(long offset, String tailKey, long tailBytes, byte[] sha256State,
      byte[] head) {}

  record Aged(UUID id, Duration age) {}
}
