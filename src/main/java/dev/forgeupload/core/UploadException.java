package dev.forgeupload.core;

/** A refusal: one {@link Problem} (code and HTTP status) and a reason for people. */
public final class UploadException extends RuntimeException {
  private final Problem problem;

  public UploadException(Problem problem, String message) {
    super(message, null, false, false);
    this.problem = problem;
  }

  public Problem problem() {
    return problem;
  }

  public int status() {
    return problem.status();
  }

  public String code() {
    return problem.code();
  }

  /** The content check refused the upload (415 for its type, 413 for its type's size limit). */
  public boolean isContentRejection() {
    return problem.isContentRejection();
  }

  public static UploadException notFound() {
    return new UploadException(Problem.NOT_FOUND, "upload not found");
  }

  public static UploadException gone(UploadState state) {
    return new UploadException(Problem.GONE, "upload is " + state.dbName());
  }

  public static UploadException badRequest(String message) {
    return new UploadException(Problem.BAD_REQUEST, message);
  }

  public static UploadException tooLarge(String message) {
    return new UploadException(Problem.TOO_LARGE, message);
  }

  public static UploadException offsetMismatch(long expected, long got) {
    return new UploadException(
        Problem.OFFSET_MISMATCH, "Upload-Offset is " + got + " but the upload is at " + expected);
  }

  public static UploadException checksumMismatch(String algorithm) {
    return new UploadException(Problem.CHECKSUM_MISMATCH, algorithm + " checksum does not match");
  }

  public static UploadException locked() {
    return new UploadException(Problem.LOCKED, "upload is locked by another request");
  }
}
