package dev.forgeupload.core;

/**
 * Port: counts of what the upload path and the store workers did, for /metrics. The core knows
 * nothing of the metrics library; the HTTP layer implements this with Micrometer.
 */
public interface UploadMetrics {

  /** An upload was created (POST answered 201). */
  void created();

  /** Body bytes written to staging (before any rollback by a checksum mismatch). */
  void bytesReceived(long bytes);

  /** The last byte of an upload is in. */
  void completed();

  /** A worker put an upload into the object store. */
  void stored(long bytes);

  /** A store attempt failed; {@code gaveUp} when the upload is now {@code failed}. */
  void storeFailed(boolean gaveUp);

  /** An upload was terminated (DELETE). */
  void terminated();

  UploadMetrics NONE =
      new UploadMetrics() {
        @Override
        public void created() {}

        @Override
        public void bytesReceived(long bytes) {}

        @Override
        public void completed() {}

        @Override
        public void stored(long bytes) {}

        @Override
        public void storeFailed(boolean gaveUp) {}

        @Override
        public void terminated() {}
      };
}
