package dev.forgeupload.core;

/**
 * The owner's limits ({@link OwnerLimits}) as the write path applies them. Every decision that
 * must be atomic (a creation, a late length, a reservation) is made by the repository under the
 * owner's lock; this class says which one a request needs and what it may then send.
 */
public final class Quota {
  private final UploadRepository repo;
  private volatile OwnerLimits limits = OwnerLimits.NONE;

  public Quota(UploadRepository repo) {
    this.repo = repo;
  }

  /** Per-owner quota and unfinished-upload limits (none until set). */
  public Quota with(OwnerLimits limits) {
    this.limits = limits;
    return this;
  }

  public OwnerLimits limits() {
    return limits;
  }

  /**
   * Before a creation-with-upload body is read: a request over the limits must not get to send
   * it. Returns how many bytes the body may have (a deferred length: what the quota has left).
   * The insert after the body checks again, atomically.
   */
  long beforeNewBody(NewUpload n, long limit) {
    if (n.owner() == null || !limits.any()) {
      return limit;
    }
    OwnerLimits.Usage usage = repo.usage(n.owner());
    limits.check(n.owner(), usage, n.length() == null ? 0 : n.length(), true);
    if (n.length() == null && limits.quotaBytes() > 0) {
      return Math.max(0, Math.min(limit, limits.quotaBytes() - usage.bytes()));
    }
    return limit;
  }

  /** What a PATCH may write: all of {@code limit}, or for a deferred length a reservation. */
  Reservation reserve(Upload u, Long contentLength, long limit) {
    if (u.hasLength() || u.owner() == null || limits.quotaBytes() <= 0) {
      return new Reservation(null, limit);
    }
    // A deferred length grows with its bytes: before reading any, reserve what this body may
    // add (its Content-Length, else all that is left), atomically with every other PATCH and
    // creation of the owner's.
    long start = u.offset();
    long want = start + (contentLength != null ? Math.min(contentLength, limit) : limit);
    long end = repo.reserve(u.id(), u.owner(), limits.quotaBytes(), want);
    return new Reservation(u, end - start);
  }

  /** Bytes a PATCH may write; closing it ends the reservation (if one was made). */
  final class Reservation implements AutoCloseable {
    private final Upload reserved;
    final long limit;

    private Reservation(Upload reserved, long limit) {
      this.reserved = reserved;
      this.limit = limit;
    }

    @Override
    public void close() {
      if (reserved != null) {
        repo.release(reserved.id());
      }
    }
  }
}
