package dev.forgeupload.staging;

import dev.forgeupload.core.StagingStore;
import dev.forgeupload.core.Upload;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * A staging store (disk) that also reads the bodies of small uploads kept with their rows in
 * PostgreSQL ({@link InlineBodyRows}): such an upload arrived whole in its creation request, so
 * it never has a staged file and is never written to again; its bytes are read (by the worker,
 * or a download before it is stored) from the database, and removed with the staged file.
 * Everything else is the wrapped store's.
 */
public final class InlineStaging implements StagingStore {
  private static final int LIST_LIMIT = 10_000;

  private final StagingStore files;
  private final InlineBodyRows rows;

  public InlineStaging(StagingStore files, InlineBodyRows rows) {
    this.files = files;
    this.rows = rows;
  }

  @Override
  public Writer openWriter(UUID id, long offset) throws IOException {
    return files.openWriter(id, offset);
  }

  @Override
  public Writer openWriter(UUID id, long offset, Plan plan) throws IOException {
    return files.openWriter(id, offset, plan);
  }

  @Override
  public InputStream read(UUID id, long from, long count) throws IOException {
    try {
      return files.read(id, from, count);
    } catch (NoSuchFileException e) {
      Optional<byte[]> body = rows.find(id);
      if (body.isEmpty()) {
        throw e;
      }
      byte[] b = body.get();
      int start = (int) Math.min(from, b.length);
      return new ByteArrayInputStream(b, start, (int) Math.min(count, b.length - start));
    }
  }

  @Override
  public long size(UUID id) throws IOException {
    long onDisk = files.size(id);
    return onDisk > 0 ? onDisk : rows.find(id).map(b -> (long) b.length).orElse(0L);
  }

  @Override
  public void delete(UUID id) throws IOException {
    files.delete(id);
    rows.delete(id);
  }

  /** The staged files, and the inline bodies whose upload may be done with them. */
  @Override
  public List<Entry> list() {
    List<Entry> all = new ArrayList<>(files.list());
    all.addAll(rows.settled(LIST_LIMIT));
    return all;
  }

  @Override
  public Optional<InPlace> storeInPlace(Upload u) throws IOException {
    return files.storeInPlace(u);
  }

  @Override
  public int sweep() {
    return files.sweep();
  }

  @Override
  public boolean rereadable() {
    return files.rereadable();
  }
}
