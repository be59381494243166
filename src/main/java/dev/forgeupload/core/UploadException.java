package dev.forgeupload.core;

/** An error with a stable code and the HTTP status it maps to (tusd's error values). */
public final class UploadException extends RuntimeException {
  private final int status;
  private final String code;

  public UploadException(int status, String code, String message) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public static UploadException notFound() {
    return new UploadException(404, "not_found", "upload not found");
  }

  public static UploadException gone(UploadState state) {
    return new UploadException(410, "gone", "upload is " + state.dbName());
  }

  public static UploadException badRequest(String message) {
    return new UploadException(400, "bad_request", message);
  }

  public static UploadException tooLarge(String message) {
    return new UploadException(413, "too_large", message);
  }

  public static UploadException offsetMismatch(long expected, long got) {
    return new UploadException(
        409, "offset_mismatch", "Upload-Offset is " + got + " but the upload is at " + expected);
  }

  public static UploadException checksumMismatch(String algorithm) {
    return new UploadException(460, "checksum_mismatch", algorithm + " checksum does not match");
  }

  /** The content check refused the upload (415 for its type, 413 for its type's size limit). */
  public boolean isContentRejection() {
    return code.equals("content_rejected") || code.equals("content_too_large");
  }

  public static UploadException locked() {
    return new UploadException(423, "locked", "upload is locked by another request");
  }
}
