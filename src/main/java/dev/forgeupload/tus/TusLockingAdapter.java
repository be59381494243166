package dev.forgeupload.tus;

import dev.forgeupload.core.UploadLocks;
import java.time.Duration;
import java.util.UUID;
import me.desair.tus.server.exception.UploadAlreadyLockedException;
import me.desair.tus.server.upload.UploadId;
import me.desair.tus.server.upload.UploadIdFactory;
import me.desair.tus.server.upload.UploadLock;
import me.desair.tus.server.upload.UploadLockingService;

/** tus-java-server's locking SPI on top of the cross-process {@link UploadLocks}. */
final class TusLockingAdapter implements UploadLockingService {
  private final UploadLocks locks;
  private final Duration wait;
  private UploadIdFactory idFactory;

  TusLockingAdapter(UploadLocks locks, Duration wait) {
    this.locks = locks;
    this.wait = wait;
  }

  @Override
  public UploadLock lockUploadByUri(String requestUri) throws UploadAlreadyLockedException {
    UploadId id = idFactory.readUploadId(requestUri);
    if (id == null) {
      return null;
    }
    UUID uuid = (UUID) id.getOriginalObject();
    UploadLocks.Lock lock =
        locks
            .acquire(uuid, wait)
            .orElseThrow(
                () -> new UploadAlreadyLockedException("upload is locked by another request"));
    return new Held(requestUri, lock);
  }

  @Override
  public void cleanupStaleLocks() {
    // Leases expire by themselves; nothing to sweep.
  }

  @Override
  public boolean isLocked(UploadId id) {
    return false; // only the lock table knows; callers use lockUploadByUri
  }

  @Override
  public void setIdFactory(UploadIdFactory idFactory) {
    this.idFactory = idFactory;
  }

  /** The engine-facing lock; exposes the port's lock to our handlers. */
  static final class Held implements UploadLock {
    private final String uri;
    final UploadLocks.Lock lock;

    Held(String uri, UploadLocks.Lock lock) {
      this.uri = uri;
      this.lock = lock;
    }

    @Override
    public String getUploadUri() {
      return uri;
    }

    @Override
    public void release() {
      lock.close();
    }

    @Override
    public void close() {
      lock.close();
    }
  }
}
