package dev.forgeupload.s3staging;

import dev.forgeupload.core.ContentPolicy;
import dev.forgeupload.core.ObjectKeys;
import dev.forgeupload.core.StagingStore;
import dev.forgeupload.core.Upload;
import dev.forgeupload.core.UploadKind;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Staging in S3 ({@code FORGE_STAGING=s3}): an upload's bytes go straight into an S3 multipart
 * upload for its object key, in parts of one size ({@link PartSize}); what does not fill a part
 * goes to a tail object when a body ends. PostgreSQL ({@link StagingRows}) holds everything a
 * node needs to continue: the multipart upload, the parts' ETags and checkpoints (offset, tail,
 * SHA-256 state, first bytes). Nothing is on local disk, so any node serves any request.
 *
 * <p>Committed state is never overwritten: a checkpoint is a new row, a tail a new object; the
 * upload's offset (recorded by the write path after a checkpoint exists) names the live one.
 *
 * <p>The bytes go in through {@link S3Writer}; {@link Sealing} completes the multipart upload
 * once the upload is complete (or a read needs the object), {@link FinalAssembly} composes a
 * final from its parts, and {@link OrphanSweep} cleans up after nodes that died part-way.
 */
public final class S3StagingStore implements StagingStore {
  private static final Logger log = LoggerFactory.getLogger(S3StagingStore.class);
  static final int HEAD_BYTES = ContentPolicy.SNIFF_BYTES;
  /** Where the multipart uploads are (the object keys of {@link ObjectKeys}). */
  static final String UPLOADS_PREFIX = "uploads/";
  /** Where the tail objects are. */
  static final String TAILS_PREFIX = "staging/";

  private final S3Parts s3;
  private final StagingRows rows;
  private final Function<UUID, Optional<Upload>> uploads;
  private final int maxParts;
  private final long maxUploadBytes;
  private final Sealing sealing;
  private final OrphanSweep sweep;
  private final Map<UUID, S3Writer> open = new ConcurrentHashMap<>();

  public S3StagingStore(S3Parts s3, StagingRows rows, Function<UUID, Optional<Upload>> uploads,
      int maxParts, long maxUploadBytes, Duration orphanAge) {
    this.s3 = s3;
    this.maxUploadBytes = maxUploadBytes;
    this.rows = rows;
    this.uploads = uploads;
    this.maxParts = maxParts;
    this.sealing = new Sealing(s3, rows);
    this.sweep = new OrphanSweep(s3, rows, orphanAge);
  }

  @Override
  public Writer openWriter(UUID id, long offset) throws IOException {
    Upload u = uploads.apply(id).orElse(null);
    if (u == null && rows.find(id).isEmpty()) {
      throw new MissingBytesException("no upload " + id + " to stage");
    }
    Plan plan = u == null ? null
        : new Plan(ObjectKeys.of(u), u.hasLength() ? u.length() : maxUploadBytes);
    return openWriter(id, offset, plan);
  }

  @Override
  public Writer openWriter(UUID id, long offset, Plan plan) throws IOException {
    StagingRows.Staged staged = rows.find(id).orElse(null);
    if (staged != null && staged.sealed()) {
      // complete already (sealed for a read): its bytes do not change any more
      throw new MissingBytesException("upload " + id + " is sealed in S3");
    }
    if (staged == null) {
      if (offset != 0) {
        throw new MissingBytesException("no S3 staging for " + id + " at offset " + offset);
      }
      staged = begin(id, plan);
    }
    StagingRows.Checkpoint cp = rows.checkpoint(id, offset).orElse(null);
    if (cp == null) {
      if (offset != 0) {
        throw new MissingBytesException("no S3 checkpoint of " + id + " at offset " + offset);
      }
      cp = new StagingRows.Checkpoint(0, null, 0, DigestState.encode(DigestState.fresh()),
          new byte[0]);
    }
    dropCheckpointsExcept(id, offset);
    S3Writer w = new S3Writer(this, staged, cp, headOf(staged, cp));
    open.put(id, w);
    return w;
  }

  /** CreateMultipartUpload for the upload's object key, then its row. */
  private StagingRows.Staged begin(UUID id, Plan plan) throws IOException {
    if (plan == null) {
      throw new MissingBytesException("no plan to stage " + id + " in S3");
    }
    long partBytes = PartSize.choose(plan.maxBytes(), maxParts);
    String multipart = s3.create(plan.objectKey(), "application/octet-stream");
    StagingRows.Staged s =
        new StagingRows.Staged(id, plan.objectKey(), multipart, partBytes, null, false, false);
    rows.insert(s);
    log.info("S3StagingStarted id={} part_bytes={} key={}", id, partBytes, plan.objectKey());
    return s;
  }

  private static byte[] headOf(StagingRows.Staged s, StagingRows.Checkpoint cp) {
    if (cp.offset() >= HEAD_BYTES && s.head() != null) {
      return s.head();
    }
    return cp.head() == null ? new byte[0] : cp.head();
  }

  /** Every checkpoint but the live one goes, with its tail (superseded, or never recorded). */
  private void dropCheckpointsExcept(UUID id, long offset) {
    for (StagingRows.Checkpoint c : rows.checkpoints(id)) {
      if (c.offset() != offset) {
        dropCheckpoint(id, c);
      }
    }
  }

  void dropCheckpoint(UUID id, StagingRows.Checkpoint c) {
    rows.deleteCheckpoint(id, c.offset());
    deleteQuietly(s3, c.tailKey());
  }

  static void deleteQuietly(S3Parts s3, String key) {
    if (key == null) {
      return;
    }
    try {
      s3.delete(key);
    } catch (IOException | RuntimeException e) {
      log.warn("S3StagingDeleteFailed key={} error={}", key, e.toString());
    }
  }

  void closed(UUID id, S3Writer w) {
    open.remove(id, w);
  }

  S3Parts s3() {
    return s3;
  }

  StagingRows rows() {
    return rows;
  }

  /** A tail object's key: new for every checkpoint, so a committed tail is never overwritten. */
  static String tailKey(UUID id, long offset) {
    return TAILS_PREFIX + id + "/tail-" + offset + "-" + UUID.randomUUID();
  }

  /** Parts of an unfinished multipart upload cannot be read back. */
  @Override
  public boolean rereadable() {
    return false;
  }

  @Override
  public InputStream read(UUID id, long from, long count) throws IOException {
    S3Writer w = open.get(id);
    if (w != null) {
      Optional<byte[]> b = w.bytes(from, count);
      if (b.isPresent()) {
        return new ByteArrayInputStream(b.get());
      }
    }
    StagingRows.Staged s = rows.find(id).orElseThrow(() -> new NoSuchFileException(id.toString()));
    Upload u = uploads.apply(id).orElseThrow(() -> new NoSuchFileException(id.toString()));
    StagingRows.Checkpoint cp = rows.checkpoint(id, u.offset()).orElse(null);
    if (cp != null) {
      byte[] head = headOf(s, cp);
      if (from + count <= head.length) {
        return new ByteArrayInputStream(head, (int) from, (int) count);
      }
    }
    if (s.sealed()) {
      return s3.get(s.objectKey(), from, count);
    }
    if (cp == null) {
      throw new NoSuchFileException(id + " has no S3 checkpoint at offset " + u.offset());
    }
    if (u.isComplete()) {
      sealing.seal(s, cp);
      return s3.get(s.objectKey(), from, count);
    }
    long tailStart = cp.offset() - cp.tailBytes();
    if (cp.tailKey() != null && from >= tailStart && from + count <= cp.offset()) {
      return s3.get(cp.tailKey(), from - tailStart, count);
    }
    throw new IOException("bytes " + from + "+" + count + " of unfinished upload " + id
        + " are in S3 parts and cannot be read before it completes");
  }

  @Override
  public Optional<InPlace> storeInPlace(Upload u) throws IOException {
    if (u.kind() == UploadKind.FINAL) {
      return new FinalAssembly(this, s3).assemble(u);
    }
    StagingRows.Staged s = rows.find(u.id()).orElse(null);
    if (s == null) {
      if (u.length() != null && u.length() == 0) {
        return Optional.empty(); // an empty upload never staged anything: stream nothing
      }
      throw new NoSuchFileException("no S3 staging for " + u.id());
    }
    if (!s.sealed()) {
      StagingRows.Checkpoint cp = rows.checkpoint(u.id(), u.offset())
          .orElseThrow(() -> new IOException("no S3 checkpoint of " + u.id() + " at its end"));
      sealing.seal(s, cp);
    }
    long size = s3.size(s.objectKey());
    if (size != u.length()) {
      throw new IOException("S3 object " + s.objectKey() + " is " + size + " bytes, the upload "
          + u.length());
    }
    StagingRows.Checkpoint end = rows.checkpoint(u.id(), u.offset()).orElseThrow(
        () -> new IOException("no S3 checkpoint of " + u.id() + " at its end"));
    rows.markHandedOver(u.id());
    return Optional.of(new InPlace(s.objectKey(), DigestState.hex(end.sha256State())));
  }

  /** A sealed part's object, sealing it when needed (for a final's assembly). */
  String sealedKey(Upload part) throws IOException {
    StagingRows.Staged s = rows.find(part.id())
        .orElseThrow(() -> new NoSuchFileException("no S3 staging for part " + part.id()));
    if (!s.sealed()) {
      sealing.seal(s, rows.checkpoint(part.id(), part.offset()).orElseThrow(
          () -> new IOException("no S3 checkpoint of part " + part.id() + " at its end")));
    }
    return s.objectKey();
  }

  Optional<Upload> upload(UUID id) {
    return uploads.apply(id);
  }

  @Override
  public long size(UUID id) {
    return rows.find(id).isPresent()
        ? uploads.apply(id).map(Upload::offset).orElse(0L)
        : 0;
  }

  /**
   * Aborts the multipart upload (or, sealed and not the stored object, deletes the object),
   * deletes tails, then the rows: a failure part-way leaves the rows for the next try.
   */
  @Override
  public void delete(UUID id) throws IOException {
    StagingRows.Staged s = rows.find(id).orElse(null);
    if (s == null) {
      return;
    }
    if (!s.sealed()) {
      s3.abort(s.objectKey(), s.multipartId());
    } else if (!s.handedOver()) {
      s3.delete(s.objectKey());
    }
    for (StagingRows.Checkpoint c : rows.checkpoints(id)) {
      if (c.tailKey() != null) {
        s3.delete(c.tailKey());
      }
    }
    rows.delete(id);
    log.info("S3StagingDropped id={} aborted={}", id, !s.sealed());
  }

  @Override
  public List<Entry> list() {
    return rows.all().stream().map(a -> new Entry(a.id(), a.age())).toList();
  }

  /** Multipart uploads and tails that dead nodes left, older than the orphan age. */
  @Override
  public int sweep() {
    return sweep.sweep();
  }

  /** The digest of a checkpoint (tests). */
  static SHA256Digest digestOf(StagingRows.Checkpoint c) {
    return DigestState.decode(c.sha256State());
  }
}
