package dev.forgeupload.objects;

import dev.forgeupload.core.ObjectKeys;
import dev.forgeupload.core.ObjectStore;
import dev.forgeupload.core.Upload;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.SequenceInputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The objects of stored uploads: deduplicated by content and, where it pays, compressed in
 * independent frames. The worker's seam:
 *
 * <ul>
 *   <li>{@link #put} stores staged bytes (disk staging): a first pass hashes them; an upload
 *       whose SHA-256 and length equal an existing object's references it and nothing is
 *       written; else the object is written (framed and compressed when the type and a trial on
 *       the first frame say so) and recorded.
 *   <li>{@link #adopt} records an object already written in place at its final key (S3 staging):
 *       if an equal one exists, the upload references that and the new one is deleted.
 *       Adopted objects are not compressed.
 * </ul>
 *
 * Either way the reference is counted in the transaction that marks the upload stored. Readers
 * and deletes go through {@link #view()}: ranges of framed objects decode only the frames they
 * need; deleting a key removes the object only once its last reference is gone.
 */
public final class StoredObjects {
  private static final Logger log = LoggerFactory.getLogger(StoredObjects.class);
  private static final Duration TEMP_MAX_AGE = Duration.ofHours(1);
  /** Original bytes per frame by default. */
  public static final int FRAME_BYTES = 1 << 20;

  /**
   * {@code holdBeforeCommit}: a pause between writing an object and recording it, for fault
   * tests only (zero in production).
   */
  public record Settings(
      Compression compression, int frameBytes, Path tempDir, Duration holdBeforeCommit) {}

  /** Opens the staged bytes from the start; called more than once. */
  public interface Source {
    InputStream open() throws IOException;
  }

  /** What an upload now references. */
  public record Stored(
      String key, String sha256, long physicalBytes, Compression compression, boolean shared) {}

  private final ObjectStore s3;
  private final ObjectCatalog catalog;
  private final Settings settings;
  private final ObjectStore view;

  public StoredObjects(ObjectStore s3, ObjectCatalog catalog, Settings settings) {
    this.s3 = s3;
    this.catalog = catalog;
    this.settings = settings;
    this.view = new CatalogView(s3, catalog);
  }

  /**
   * The object store as readers and deleters see it: {@code get} answers original bytes,
   * {@code delete} removes an object only when no stored upload references it any more.
   */
  public ObjectStore view() {
    return view;
  }

  /** {@code count} original bytes from {@code from} of a stored upload. */
  public InputStream open(Upload u, long from, long count) throws IOException {
    return view.get(u.storageKey(), from, count);
  }

  /**
   * Stores {@code u}'s staged bytes under {@code worker}'s claim. Empty when the claim was lost
   * (see {@link #discard}); an IOException when the staged bytes are not {@code u.length()} long
   * or change between the passes.
   */
  public Optional<Stored> put(Upload u, String worker, Source staged) throws IOException {
    long length = u.length();
    String sha = hash(staged, length);
    Optional<ObjectCatalog.Entry> equal = catalog.byContent(sha, length);
    if (equal.isPresent()) {
      hold(equal.get().key());
      ObjectCatalog.Commit c = catalog.commitStored(u.id(), worker, equal.get(), false);
      if (c.outcome() == ObjectCatalog.Outcome.CLAIM_LOST) {
        return Optional.empty();
      }
      if (c.outcome() == ObjectCatalog.Outcome.STORED) {
        // an earlier attempt of this upload may have written its own object before it died
        removeIfUnreferenced(ObjectKeys.of(u), c.entry().key());
        log.info("ObjectShared id={} key={} bytes={}", u.id(), c.entry().key(), length);
        return Optional.of(stored(c.entry(), true));
      }
      // the equal object was removed since: write this one
    }
    String key = ObjectKeys.of(u);
    ObjectCatalog.Entry written = write(u, key, staged, sha);
    hold(key);
    ObjectCatalog.Commit c = catalog.commitStored(u.id(), worker, written, true);
    if (c.outcome() != ObjectCatalog.Outcome.STORED) {
      return Optional.empty();
    }
    boolean shared = !c.entry().key().equals(key);
    if (shared) {
      // an equal object was recorded while this one was written: keep one
      removeIfUnreferenced(key, c.entry().key());
      log.info("ObjectShared id={} key={} bytes={} (equal object recorded meanwhile)", u.id(),
          c.entry().key(), length);
    }
    return Optional.of(stored(c.entry(), shared));
  }

  /**
   * Records an object that S3 staging completed in place at {@code key} as {@code u}'s. If an
   * equal object exists, {@code u} references it and the one at {@code key} is deleted. Empty
   * when the claim was lost. Adopted objects stay as they are (not compressed).
   */
  public Optional<Stored> adopt(Upload u, String worker, String key, String sha256, long length)
      throws IOException {
    ObjectCatalog.Commit c =
        catalog.commitStored(u.id(), worker, ObjectCatalog.Entry.plain(key, sha256, length), true);
    if (c.outcome() != ObjectCatalog.Outcome.STORED) {
      return Optional.empty();
    }
    boolean shared = !c.entry().key().equals(key);
    if (shared) {
      removeIfUnreferenced(key, c.entry().key());
      log.info("ObjectShared id={} key={} bytes={} (adopted duplicate deleted)", u.id(),
          c.entry().key(), length);
    }
    return Optional.of(stored(c.entry(), shared));
  }

  /**
   * After a lost claim on an upload that was deleted meanwhile: what {@link #put} may have
   * written for it goes, unless something references it.
   */
  public void discard(Upload u) throws IOException {
    removeIfUnreferenced(ObjectKeys.of(u), null);
  }

  /**
   * The reconciler's pass: counts that disagree with the uploads are set right, and objects no
   * upload references (a delete that stopped before removing its object) are removed.
   */
  public void repair() {
    int fixed = catalog.recount(1000);
    if (fixed > 0) {
      log.warn("ObjectRefsRecounted count={}", fixed);
    }
    for (String key : catalog.unreferenced(200)) {
      if (catalog.release(key) == ObjectCatalog.Release.REMOVED) {
        try {
          s3.delete(key);
          log.info("ObjectCollected key={}", key);
        } catch (IOException e) {
          log.warn("ObjectDeleteFailed key={} error={}", key, e.toString());
        }
      }
    }
  }

  private void removeIfUnreferenced(String key, String keep) throws IOException {
    if (key.equals(keep)) {
      return;
    }
    if (catalog.release(key) != ObjectCatalog.Release.REFERENCED) {
      s3.delete(key);
    }
  }

  private static Stored stored(ObjectCatalog.Entry e, boolean shared) {
    return new Stored(e.key(), e.sha256(), e.physicalBytes(), e.compression(), shared);
  }

  private static String hash(Source staged, long length) throws IOException {
    MessageDigest sha = sha256();
    long n = 0;
    byte[] buf = new byte[256 * 1024];
    try (InputStream in = staged.open()) {
      for (int r; (r = in.read(buf)) > 0; n += r) {
        sha.update(buf, 0, r);
      }
    }
    if (n != length) {
      throw new IOException("staged bytes are " + n + " long, the upload is " + length);
    }
    return HexFormat.of().formatHex(sha.digest());
  }

  private ObjectCatalog.Entry write(Upload u, String key, Source staged, String sha)
      throws IOException {
    long length = u.length();
    MessageDigest digest = sha256();
    try (InputStream in = staged.open()) {
      byte[] first = in.readNBytes((int) Math.min(settings.frameBytes(), length));
      Compression c =
          Compressibility.choose(
              settings.compression(), u.contentType(), u.filename(), first, first.length);
      InputStream all = new SequenceInputStream(new ByteArrayInputStream(first), in);
      FrameIndex index = null;
      if (c == Compression.NONE) {
        writePlain(key, new DigestInputStream(all, digest), length, contentType(u));
      } else {
        index = writeFramed(key, all, c, digest, length);
      }
      String again = HexFormat.of().formatHex(digest.digest());
      if (!again.equals(sha)) {
        s3.delete(key);
        throw new IOException("staged bytes changed while they were stored");
      }
      long physical = index == null ? length : index.physicalBytes();
      log.info("ObjectWritten id={} key={} bytes={} physical_bytes={} compression={}", u.id(),
          key, length, physical, c.dbName());
      return new ObjectCatalog.Entry(key, sha, length, physical, c, index);
    }
  }

  private void writePlain(String key, InputStream in, long length, String type)
      throws IOException {
    CountingStream counted = new CountingStream(in);
    s3.put(key, counted, length, type);
    if (counted.count != length) {
      throw new IOException("staged bytes are " + counted.count + " long, the upload is " + length);
    }
  }

  /** Frames go to a temporary file first: the object's size must be known before it is sent. */
  private FrameIndex writeFramed(
      String key, InputStream in, Compression c, MessageDigest digest, long length)
      throws IOException {
    Files.createDirectories(settings.tempDir());
    Path tmp = Files.createTempFile(settings.tempDir(), "frames-", ".tmp");
    try {
      FrameIndex index;
      try (OutputStream out =
          new java.io.BufferedOutputStream(Files.newOutputStream(tmp), 1 << 16)) {
        index = FramedWriter.write(in, out, c, settings.frameBytes(), digest);
      }
      if (index.length() != length) {
        throw new IOException("staged bytes are " + index.length() + " long, the upload is "
            + length);
      }
      try (InputStream file = Files.newInputStream(tmp)) {
        s3.put(key, file, index.physicalBytes(),
            c == Compression.ZSTD ? "application/zstd" : "application/octet-stream");
      }
      return index;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Temporary frame files older than an hour (left by a killed worker) go at start. */
  public void removeStaleTempFiles() {
    if (!Files.isDirectory(settings.tempDir())) {
      return;
    }
    Instant before = Instant.now().minus(TEMP_MAX_AGE);
    try (DirectoryStream<Path> files = Files.newDirectoryStream(settings.tempDir(), "frames-*")) {
      for (Path f : files) {
        FileTime t = Files.getLastModifiedTime(f);
        if (t.toInstant().isBefore(before)) {
          Files.deleteIfExists(f);
        }
      }
    } catch (IOException e) {
      log.warn("TempCleanupFailed dir={} error={}", settings.tempDir(), e.toString());
    }
  }

  private void hold(String key) {
    if (settings.holdBeforeCommit().isZero()) {
      return;
    }
    log.warn("ObjectCommitHeld key={} seconds={} (FORGE_TEST_HOLD_BEFORE_COMMIT_SECONDS)", key,
        settings.holdBeforeCommit().toSeconds());
    try {
      Thread.sleep(settings.holdBeforeCommit().toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static String contentType(Upload u) {
    String t = u.contentType();
    return t == null || t.isBlank() || t.length() > 200 || !t.matches("[\\w.+-]+/[\\w.+-]+")
        ? "application/octet-stream"
        : t;
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static final class CountingStream extends java.io.FilterInputStream {
    long count;

    CountingStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b >= 0) {
        count++;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n > 0) {
        count += n;
      }
      return n;
    }
  }
}
