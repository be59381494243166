package dev.forgeupload.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.io.UncheckedIOException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bytes of a complete upload, wherever they are: the stored object, the staged file, or for a
 * final upload its parts' staged files in order.
 */
public final class ContentReader {
  private static final Logger log = LoggerFactory.getLogger(ContentReader.class);
  private final UploadRepository repo;
  private final StagingStore staging;
  private final ObjectStore objects;

  public ContentReader(UploadRepository repo, StagingStore staging, ObjectStore objects) {
    this.repo = repo;
    this.staging = staging;
    this.objects = objects;
  }

  /**
   * {@code count} bytes from {@code from}. {@code u} may be stale: a worker can store the upload
   * and drop its staged bytes after {@code u} was read. The first bytes' source is opened here,
   * so a failure to open them (the row moved on between the reads this takes, or the object
   * store failed once) is retried once from the row as it is now, before anything was sent.
   */
  public InputStream open(Upload u, long from, long count) throws IOException {
    if (count == 0) {
      return InputStream.nullInputStream(); // an empty upload never had a staged file
    }
    try {
      return openAsOf(u, from, count);
    } catch (IOException e) {
      Upload now = repo.find(u.id()).orElseThrow(UploadException::notFound);
      if (now.state().isGone()) {
        throw UploadException.gone(now.state());
      }
      log.warn("ContentReopened id={} state_read={} state_now={} error={}", u.id(),
          u.state().dbName(), now.state().dbName(), e.toString());
      return openAsOf(now, from, count);
    }
  }

  private InputStream openAsOf(Upload u, long from, long count) throws IOException {
    if (u.state() == UploadState.STORED && u.storageKey() != null) {
      return objects.get(u.storageKey(), from, count);
    }
    if (u.state() == UploadState.CONCATENATED) {
      return fromFinal(u, from, count);
    }
    if (u.kind() == UploadKind.FINAL) {
      return parts(u, from, count);
    }
    try {
      return staging.read(u.id(), from, count);
    } catch (NoSuchFileException e) {
      // The worker stored it and dropped staging since the row was read: read the object.
      Upload now = repo.find(u.id()).orElseThrow(UploadException::notFound);
      if (now.state() == UploadState.STORED && now.storageKey() != null) {
        return objects.get(now.storageKey(), from, count);
      }
      if (now.state() == UploadState.CONCATENATED) {
        return fromFinal(now, from, count);
      }
      if (now.state().isGone()) {
        throw UploadException.gone(now.state());
      }
      throw e;
    }
  }

  /** A concatenated part's bytes: its stretch of the object of a stored final that lists it. */
  private InputStream fromFinal(Upload part, long from, long count) throws IOException {
    Upload fin =
        ConcatParts.holder(repo.finalsListing(part.id()))
            .orElseThrow(() -> UploadException.gone(UploadState.CONCATENATED));
    long start = 0;
    for (UUID p : fin.concatParts()) {
      if (p.equals(part.id())) {
        return objects.get(fin.storageKey(), start + from, count);
      }
      start += repo.find(p).map(Upload::offset).orElseThrow(UploadException::notFound);
    }
    throw UploadException.gone(UploadState.CONCATENATED);
  }

  private InputStream parts(Upload u, long from, long count) throws IOException {
    List<InputStream> streams = new ArrayList<>();
    long skip = from;
    long remaining = count;
    long start = 0;
    for (UUID partId : u.concatParts()) {
      Upload part = repo.find(partId).orElseThrow(UploadException::notFound);
      long len = part.offset();
      if (skip >= len) {
        skip -= len;
        start += len;
        continue;
      }
      long take = Math.min(len - skip, remaining);
      if (take <= 0) {
        break;
      }
      long partFrom = skip;
      long at = start + skip;
      streams.add(streams.isEmpty()
          ? openPart(u.id(), part, partFrom, take, at)
          : lazy(() -> openPart(u.id(), part, partFrom, take, at)));
      remaining -= take;
      start += len;
      skip = 0;
    }
    return new SequenceInputStream(Collections.enumeration(streams));
  }

  /**
   * {@code count} bytes from {@code from} of one part of final {@code finalId}, at {@code at} in
   * the final: staged, or (a concatenated part) in the stored final that holds it, or (the
   * worker stored this final meanwhile and its parts' staged files are gone) in this final's
   * object.
   */
  private InputStream openPart(UUID finalId, Upload part, long from, long count, long at)
      throws IOException {
    if (part.state() == UploadState.CONCATENATED) {
      return fromFinal(part, from, count);
    }
    try {
      return staging.read(part.id(), from, count);
    } catch (NoSuchFileException e) {
      Upload fin = repo.find(finalId).orElseThrow(() -> e);
      if (fin.state() == UploadState.STORED && fin.storageKey() != null) {
        return objects.get(fin.storageKey(), at, count);
      }
      Upload now = repo.find(part.id()).orElseThrow(() -> e);
      if (now.state() == UploadState.CONCATENATED) {
        return fromFinal(now, from, count);
      }
      throw e;
    }
  }

  private interface Opener {
    InputStream open() throws IOException;
  }

  /**
   * A later part's bytes, opened when first read (a long final holds one part open at a time);
   * the first part is opened at once, so a failure there can still be answered or retried.
   */
  private static InputStream lazy(Opener opener) {
    return new InputStream() {
      private InputStream in;

      private InputStream in() {
        if (in == null) {
          try {
            in = opener.open();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
        return in;
      }

      @Override
      public int read() throws IOException {
        return in().read();
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return in().read(b, off, len);
      }

      @Override
      public void close() throws IOException {
        if (in != null) {
          in.close();
        }
      }
    };
  }
}
