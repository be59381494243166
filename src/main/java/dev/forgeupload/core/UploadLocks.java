package dev.forgeupload.core;

import java.time.Duration;
import java.util.Optional;
import java.util.UUID;

/**
 * Port: exclusive per-upload locks that hold across every server process sharing the database. A
 * lock whose holder dies is freed after its lease; a holder whose client stalls is asked to let go.
 */
public interface UploadLocks {

  /** Tries for up to {@code wait}; empty when another request still holds the upload. */
  Optional<Lock> acquire(UUID id, Duration wait);

  /** Asks a stalled holder (if any) to let go, without waiting. */
  void requestRelease(UUID id);

  interface Lock extends AutoCloseable {
    UUID uploadId();

    /**
     * Called from the heartbeat when another request wants the upload; the holder lets go if its
     * client has stalled. Set by the request handler.
     */
    void onReleaseRequested(Runnable action);

    @Override
    void close();
  }
}
