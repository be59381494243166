package dev.forgeupload.objects;

import dev.forgeupload.core.ObjectStore;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The object store as the core reads and deletes through it: a framed object's range is read as
 * the frames that hold it and decoded; a plain or uncatalogued object is read as it is. A delete
 * removes the object only when the catalog says no stored upload references it.
 */
final class CatalogView implements ObjectStore {
  private static final Logger log = LoggerFactory.getLogger(CatalogView.class);
  private final ObjectStore s3;
  private final ObjectCatalog catalog;

  CatalogView(ObjectStore s3, ObjectCatalog catalog) {
    this.s3 = s3;
    this.catalog = catalog;
  }

  @Override
  public void put(String key, InputStream in, long size, String contentType) throws IOException {
    s3.put(key, in, size, contentType);
  }

  @Override
  public InputStream get(String key, long offset, long length) throws IOException {
    Optional<ObjectCatalog.Entry> e = catalog.byKey(key);
    if (e.isEmpty() || e.get().compression() == Compression.NONE) {
      return s3.get(key, offset, length);
    }
    FrameIndex index = e.get().index();
    if (length == 0) {
      return InputStream.nullInputStream();
    }
    long[] range = FramedInputStream.objectRange(index, offset, length);
    return new FramedInputStream(
        s3.get(key, range[0], range[1] - range[0]), e.get().compression(), index, offset, length);
  }

  @Override
  public void delete(String key) throws IOException {
    ObjectCatalog.Release r = catalog.release(key);
    if (r == ObjectCatalog.Release.REFERENCED) {
      log.info("ObjectKept key={}: other stored uploads reference it", key);
      return;
    }
    s3.delete(key);
  }

  @Override
  public boolean isReachable() {
    return s3.isReachable();
  }
}
