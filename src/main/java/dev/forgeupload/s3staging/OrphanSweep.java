package dev.forgeupload.s3staging;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node that died part-way left in S3, older than the orphan age: multipart uploads under
 * the uploads prefix that no row owns (it died between CreateMultipartUpload and recording it),
 * and tail objects that no checkpoint names (between putting a tail and writing its checkpoint,
 * or between dropping a checkpoint and deleting its tail). Younger ones may still be in flight.
 */
final class OrphanSweep {
  private static final Logger log = LoggerFactory.getLogger(OrphanSweep.class);

  private final S3Parts s3;
  private final StagingRows rows;
  private final Duration orphanAge;

  OrphanSweep(S3Parts s3, StagingRows rows, Duration orphanAge) {
    this.s3 = s3;
    this.rows = rows;
    this.orphanAge = orphanAge;
  }

  /** Aborts and deletes the orphans; how many. A failure is logged and counts as none. */
  int sweep() {
    try {
      Instant before = Instant.now().minus(orphanAge);
      return abortMultipartUploads(before) + deleteTails(before);
    } catch (IOException | RuntimeException e) {
      log.warn("S3SweepFailed error={}", e.toString());
      return 0;
    }
  }

  private int abortMultipartUploads(Instant before) throws IOException {
    List<S3Parts.Pending> pending = s3.pending(S3StagingStore.UPLOADS_PREFIX);
    Set<String> owned = rows.owned(pending.stream().map(S3Parts.Pending::uploadId).toList());
    int aborted = 0;
    for (S3Parts.Pending p : pending) {
      if (!owned.contains(p.uploadId()) && p.initiated() != null
          && p.initiated().isBefore(before)) {
        s3.abort(p.key(), p.uploadId());
        aborted++;
        log.info("S3MultipartSwept key={}", p.key());
      }
    }
    return aborted;
  }

  private int deleteTails(Instant before) throws IOException {
    int deleted = 0;
    Map<UUID, Set<String>> named = new HashMap<>();
    for (S3Parts.Stored o : s3.list(S3StagingStore.TAILS_PREFIX)) {
      if (o.modified() == null || !o.modified().isBefore(before)) {
        continue;
      }
      UUID id = tailOwner(o.key());
      Set<String> keys = id == null ? Set.of() : named.computeIfAbsent(id,
          k -> new HashSet<>(rows.checkpoints(k).stream()
              .map(StagingRows.Checkpoint::tailKey).filter(Objects::nonNull).toList()));
      if (!keys.contains(o.key())) {
        S3StagingStore.deleteQuietly(s3, o.key());
        deleted++;
        log.info("S3TailSwept key={}", o.key());
      }
    }
    return deleted;
  }

  /** The upload a tail key names ({@link S3StagingStore#tailKey}), or null for a stranger. */
  private static UUID tailOwner(String key) {
    String rest = key.substring(S3StagingStore.TAILS_PREFIX.length());
    int slash = rest.indexOf('/');
    try {
      return slash < 0 ? null : UUID.fromString(rest.substring(0, slash));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
