package dev.forgeupload.s3staging;

/**
 * The one part size of an upload staged in S3: the smallest multiple of 1 MiB, never below
 * S3's 5 MiB minimum, with which {@code maxBytes} (the length, or for a deferred length the
 * largest size it may reach) fits in {@code maxParts} parts, the tail counted as one.
 */
public final class PartSize {
  /** S3's smallest part (every part but the last). */
  public static final long MIN_BYTES = 5L * 1024 * 1024;
  /** S3's largest part. */
  public static final long MAX_BYTES = 5L * 1024 * 1024 * 1024;
  private static final long MIB = 1024 * 1024;

  private PartSize() {}

  public static long choose(long maxBytes, int maxParts) {
    if (maxParts < 1) {
      throw new IllegalArgumentException("maxParts must be at least 1");
    }
    long perPart = ceilDiv(Math.max(0, maxBytes), maxParts);
    long size = Math.max(MIN_BYTES, ceilDiv(perPart, MIB) * MIB);
    if (size > MAX_BYTES) {
      throw new IllegalArgumentException(maxBytes + " bytes do not fit in " + maxParts
          + " parts of at most 5 GiB");
    }
    return size;
  }

  /** How many parts {@code bytes} take at {@code partBytes} (full parts plus a tail). */
  public static long partsFor(long bytes, long partBytes) {
    return ceilDiv(bytes, partBytes);
  }

  private static long ceilDiv(long a, long b) {
    return a / b + (a % b == 0 ? 0 : 1);
  }
}
