package dev.forgeupload.core;

/**
 * Per-owner limits, checked when an upload is created (and when a deferred length grows):
 * {@code quotaBytes} over everything the owner holds (in flight and stored), {@code maxActive}
 * unfinished uploads at a time. Zero switches a limit off; uploads without an owner (open mode)
 * have none.
 */
public record OwnerLimits(long quotaBytes, int maxActive) {
  public static final OwnerLimits NONE = new OwnerLimits(0, 0);

  public boolean any() {
    return quotaBytes > 0 || maxActive > 0;
  }

  /** What an owner holds now: bytes (declared length, or offset while deferred), unfinished. */
  public record Usage(long bytes, int active) {}

  /** Throws the 4xx for a new upload of {@code newBytes} (0 while its length is deferred). */
  public void check(String owner, Usage usage, long newBytes, boolean newActive) {
    if (maxActive > 0 && newActive && usage.active() >= maxActive) {
      throw new UploadException(
          Problem.TOO_MANY_UPLOADS,
          "at most " + maxActive + " unfinished uploads per user; finish or delete one first");
    }
    if (quotaBytes > 0 && usage.bytes() + newBytes > quotaBytes) {
      throw new UploadException(
          Problem.QUOTA_EXCEEDED,
          "this upload needs " + newBytes + " bytes but only "
              + Math.max(0, quotaBytes - usage.bytes()) + " of the quota of " + quotaBytes
              + " bytes are left");
    }
  }
}
