package dev.forgeupload.core;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When and on which bytes {@link ContentPolicy} judges an upload: its claim at creation, its first
 * bytes before the offset covering them is committed, a late length, a final upload's assembled
 * start. What is allowed is the policy's business; this class only decides when to ask it and
 * what a refusal does to the upload (failed, bytes deleted).
 */
public final class ContentGate {
  private static final Logger log = LoggerFactory.getLogger(ContentGate.class);

  private final ContentPolicy policy;
  private final UploadRepository repo;
  private final StagingStore staging;
  private final UploadEvents events;
  private final ContentReader reader;

  public ContentGate(
      ContentPolicy policy, UploadRepository repo, StagingStore staging, UploadEvents events,
      ContentReader reader) {
    this.policy = policy;
    this.repo = repo;
    this.staging = staging;
    this.events = events;
    this.reader = reader;
  }

  /**
   * A claim of a denied type (metadata type or filename extension) is refused before anything is
   * created or read: no bytes could make it acceptable, and an empty or tiny upload would never
   * be judged by its bytes at all.
   */
  void refuseDeniedClaim(NewUpload n) {
    Optional<ContentPolicy.Rejected> refused =
        policy.checkClaim(new ContentPolicy.Claim(n.contentType(), n.filename()));
    if (refused.isPresent()) {
      log.info("UploadRefused id={} kind={} status={} reason={}", n.id(), n.kind().dbName(),
          refused.get().status(), refused.get().reason());
      throw refused.get().toException();
    }
  }

  /**
   * What a new row stores as its content type until its bytes are checked: the claim for a
   * regular upload (replaced by the check, which every upload passes before its last byte is
   * committed); nothing for a final upload (its check runs after its parts completed it);
   * octet-stream for a part (a part is opaque: see {@link ContentPolicy#checkPart}) and for an
   * empty upload (no byte confirms its claim).
   */
  static String initialContentType(NewUpload n) {
    if (n.kind() == UploadKind.FINAL) {
      return null;
    }
    if (n.kind() == UploadKind.PARTIAL || (n.length() != null && n.length() == 0)) {
      return ContentPolicy.OCTET_STREAM;
    }
    return n.contentType();
  }

  /**
   * The check of one upload's first bytes, run at most once, reading them back from staging: the
   * full check, or for a partial upload the part check, which stores nothing (a part stays
   * octet-stream). With a row to update ({@code persist}), an accepted type is stored at once,
   * before the offset that covers the checked bytes is committed.
   */
  public final class Check {
    private final UUID id;
    private final ContentPolicy.Claim claim;
    private final Long length;
    private final boolean persist;
    private final boolean part;
    private ContentPolicy.Accepted accepted;
    private byte[] head; // the upload's first bytes as the body brought them, if it did

    private Check(UUID id, ContentPolicy.Claim claim, Long length, boolean persist,
        boolean part) {
      this.id = id;
      this.claim = claim;
      this.length = length;
      this.persist = persist;
      this.part = part;
    }

    /** Judges the first bytes of the {@code staged} ones (none: an empty, complete upload). */
    void run(long staged) throws IOException {
      if (accepted != null) {
        return;
      }
      int n = (int) Math.min(staged, ContentPolicy.SNIFF_BYTES);
      byte[] head = this.head != null && this.head.length >= n
          ? java.util.Arrays.copyOf(this.head, n) : new byte[0];
      if (n > 0 && head.length < n) { // an empty upload may not even have a staged file
        try (InputStream in = staging.read(id, 0, n)) {
          head = in.readNBytes(n);
        }
      }
      ContentPolicy.Decision d =
          part
              ? policy.checkPart(head, head.length, claim)
              : policy.check(head, head.length, claim, length);
      if (d instanceof ContentPolicy.Rejected r) {
        throw r.toException();
      }
      accepted = (ContentPolicy.Accepted) d;
      log.info("ContentAccepted id={} detected={} content_type={}", id, accepted.detected(),
          accepted.contentType());
      if (persist && !part) {
        repo.setContentType(id, accepted.contentType());
      }
    }

    /**
     * The first {@code len} bytes of the upload (offset 0), as the body brought them: the check
     * then judges them from memory instead of reading them back from staging.
     */
    void firstBytes(byte[] buf, int len) {
      if (head == null) {
        head = java.util.Arrays.copyOf(buf, Math.min(len, ContentPolicy.SNIFF_BYTES));
      }
    }

    /** The accepted type, or {@code otherwise} when the check has not run. */
    String contentTypeOr(String otherwise) {
      return accepted != null ? accepted.contentType() : otherwise;
    }
  }

  /** The check for a creation-with-upload body (nothing to persist: the row comes after). */
  Check forNew(NewUpload n) {
    return new Check(n.id(), new ContentPolicy.Claim(n.contentType(), n.filename()), n.length(),
        false, n.kind() == UploadKind.PARTIAL);
  }

  /** The check a PATCH at this upload's offset must run; empty for a final or when done. */
  Optional<Check> forPatch(Upload u) {
    if (u.kind() == UploadKind.FINAL || u.offset() >= ContentPolicy.SNIFF_BYTES) {
      return Optional.empty();
    }
    return Optional.of(new Check(u.id(), claimOf(u), u.length(), true,
        u.kind() == UploadKind.PARTIAL));
  }

  private static ContentPolicy.Claim claimOf(Upload u) {
    return new ContentPolicy.Claim(Metadata.contentType(u.metadata()), u.filename());
  }

  /**
   * A length declared late: an upload that ends right here, shorter than the checked prefix, is
   * checked now; one already checked must fit its type's size limit. A refusal fails the upload.
   */
  void checkDeclaredLength(Upload u, long length) {
    if (u.kind() == UploadKind.FINAL) {
      return;
    }
    try {
      if (u.offset() < ContentPolicy.SNIFF_BYTES) {
        if (length == u.offset()) {
          new Check(u.id(), claimOf(u), length, true, u.kind() == UploadKind.PARTIAL)
              .run(u.offset());
        }
      } else if (u.kind() == UploadKind.REGULAR && u.contentType() != null) {
        policy.checkLength(u.contentType(), length).ifPresent(r -> {
          throw r.toException();
        });
      }
    } catch (UploadException e) {
      if (e.isContentRejection()) {
        reject(u, e);
      }
      throw e;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A content rejection of an unfinished upload: it fails with the reason, its bytes go. */
  void reject(Upload u, UploadException e) {
    repo.markState(u.id(), UploadState.FAILED, e.getMessage());
    try {
      staging.delete(u.id());
    } catch (IOException io) {
      log.warn("StagingDeleteFailed id={} error={}", u.id(), io.toString());
    }
    log.info("UploadRejected id={} status={} reason={}", u.id(), e.status(), e.getMessage());
    events.state(u.id(), UploadState.FAILED, u.offset(), u.length());
  }

  /**
   * A final upload is checked when it completes, from the first bytes of its parts (the parts
   * themselves only get the part check: a middle part has no magic), and again by the worker
   * right before it stores one: the final was queued by the statement that completed it, so a
   * worker (or the reconciler, after a crash) can reach it before or without the check at
   * completion. A rejected final is failed and no longer complete: not served, retried or
   * stored. Empty for anything but a complete final, and when the content passes.
   */
  public Optional<UploadException> checkFinal(Upload u) {
    if (u.kind() != UploadKind.FINAL || !u.isComplete()) {
      return Optional.empty();
    }
    int n = (int) Math.min(u.offset(), ContentPolicy.SNIFF_BYTES);
    byte[] head;
    try (InputStream in = reader.open(u, 0, n)) {
      head = in.readNBytes(n);
    } catch (IOException | UncheckedIOException e) {
      log.warn("ContentCheckUnreadable id={} error={}", u.id(), e.toString());
      return Optional.empty(); // the worker will fail on the same bytes and say why
    }
    ContentPolicy.Decision d = policy.check(head, head.length, claimOf(u), u.length());
    if (d instanceof ContentPolicy.Rejected r) {
      UploadException e = r.toException();
      repo.rejectFinal(u.id(), e.getMessage());
      log.info("UploadRejected id={} status={} reason={}", u.id(), e.status(), e.getMessage());
      events.state(u.id(), UploadState.FAILED, 0, u.length());
      return Optional.of(e);
    }
    repo.setContentType(u.id(), ((ContentPolicy.Accepted) d).contentType());
    return Optional.empty();
  }
}
