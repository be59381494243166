package dev.forgeupload.versions;

import dev.forgeupload.core.Upload;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Port: the versions of a file. Uploads of one owner with the same logical name (the client's
 * {@code relativePath} metadata when sent, else the filename; column {@code logical_name}, set
 * when the row is created) are versions of one file. Deleted uploads and the parts of a
 * concatenation are not versions.
 */
public interface UploadVersions {
  /** At most this many versions are listed. */
  int LIMIT = 1000;

  /**
   * The versions of the file {@code uploadId} belongs to, newest first, numbered from 1 (the
   * oldest). Just the upload itself (version 1) when it has no logical name; empty when it is
   * unknown.
   */
  Optional<Versions> of(UUID uploadId);

  /** {@code upload} is the one asked about (it may be deleted, and then is not among them). */
  record Versions(Upload upload, String logicalName, List<Version> items) {}

  record Version(int number, Upload upload) {}
}
