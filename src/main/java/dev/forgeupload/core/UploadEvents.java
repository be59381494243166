package dev.forgeupload.core;

import java.util.UUID;

/** Port: live progress and state changes, seen by every node (Redis pub/sub). */
public interface UploadEvents {

  /** An upload's offset moved; implementations throttle these. */
  void progress(UUID id, long offset, Long length);

  /** An upload changed state; always delivered (best effort). */
  void state(UUID id, UploadState state, long offset, Long length);

  UploadEvents NONE =
      new UploadEvents() {
        @Override
        public void progress(UUID id, long offset, Long length) {}

        @Override
        public void state(UUID id, UploadState state, long offset, Long length) {}
      };
}
