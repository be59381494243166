package dev.forgeupload.shares;

import dev.forgeupload.auth.AuditLog;
import dev.forgeupload.auth.Principal;
import dev.forgeupload.core.Problem;
import dev.forgeupload.core.Upload;
import dev.forgeupload.core.UploadException;
import dev.forgeupload.core.UploadState;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

/**
 * Share links: created, listed and revoked by the upload's owner or an admin (anyone else gets a
 * 404, as for the upload itself), opened by anyone holding the token. A token that is malformed,
 * unknown or revoked is a 404; an expired or used-up link, or one whose upload was deleted, a
 * 410. Every creation, download and revocation is audited.
 */
public final class ShareLinks {
  /** Downloads one link allows at most when it sets a limit. */
  public static final int MAX_DOWNLOADS_LIMIT = 1_000_000;

  private final ShareStore store;
  private final Function<UUID, Optional<Upload>> uploads;
  private final ShareTokens tokens;
  private final AuditLog audit;
  private final Duration maxLifetime;
  private final Clock clock;

  /** {@code uploads} finds an upload's row whatever its state; {@code audit} may be null. */
  public ShareLinks(
      ShareStore store, Function<UUID, Optional<Upload>> uploads, ShareTokens tokens,
      AuditLog audit, Duration maxLifetime, Clock clock) {
    this.store = store;
    this.uploads = uploads;
    this.tokens = tokens;
    this.audit = audit;
    this.maxLifetime = maxLifetime;
    this.clock = clock;
  }

  /** A link just made: the stored row and its token (shown once, never stored). */
  public record Created(Share share, String token) {}

  /** What a link request asks for; null fields take the defaults. */
  public record Request(Long expiresInSeconds, Long maxDownloads) {}

  /** The longest lifetime a link may have (and the default): {@code FORGE_SHARE_MAX_SECONDS}. */
  public Duration maxLifetime() {
    return maxLifetime;
  }

  public Created create(Principal who, UUID uploadId, Request r, String address) {
    Upload u = visible(who, uploadId);
    if (u.state() != UploadState.STORED) {
      throw new UploadException(
          Problem.NOT_STORED, "only stored uploads can be shared; this one is " + u.state().dbName());
    }
    long seconds = r.expiresInSeconds() == null ? maxLifetime.toSeconds() : r.expiresInSeconds();
    if (seconds < 1 || seconds > maxLifetime.toSeconds()) {
      throw new IllegalArgumentException(
          "expires_in_seconds must be between 1 and " + maxLifetime.toSeconds());
    }
    Long max = r.maxDownloads();
    if (max != null && (max < 1 || max > MAX_DOWNLOADS_LIMIT)) {
      throw new IllegalArgumentException(
          "max_downloads must be between 1 and " + MAX_DOWNLOADS_LIMIT + " (or absent: no limit)");
    }
    OffsetDateTime now = now();
    String token = tokens.generate();
    Share s =
        store.insert(
            new Share(UUID.randomUUID(), uploadId, ShareTokens.hash(token), who.subject(), now,
                now.plusSeconds(seconds), max == null ? null : max.intValue(), 0, null));
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("share_id", s.id().toString());
    detail.put("expires_at", s.expiresAt().toString());
    detail.put("max_downloads", s.maxDownloads());
    record(who, AuditLog.Action.SHARE_CREATED, uploadId, address, detail);
    return new Created(s, token);
  }

  public List<Share> list(Principal who, UUID uploadId) {
    visible(who, uploadId);
    return store.forUpload(uploadId);
  }

  /** Revokes a link of an upload the caller may see; 404 otherwise. Revoking twice is fine. */
  public Share revoke(Principal who, UUID shareId, String address) {
    Share s = store.find(shareId).orElseThrow(ShareLinks::noSuchLink);
    visible(who, s.uploadId());
    if (s.revokedAt() == null) {
      store.revoke(shareId, now());
      record(who, AuditLog.Action.SHARE_REVOKED, s.uploadId(), address,
          Map.of("share_id", shareId.toString()));
    }
    return store.find(shareId).orElseThrow(ShareLinks::noSuchLink);
  }

  /** An open link: the link as found and the upload it serves. */
  public record Opened(Share share, Upload upload) {}

  /**
   * The link for {@code token} if it may be used now: 404 when malformed, unknown or revoked;
   * 410 when expired, used up, or its upload is gone. Nothing is counted yet.
   */
  public Opened open(String token) {
    if (!ShareTokens.wellFormed(token)) {
      throw noSuchLink();
    }
    String hash = ShareTokens.hash(token);
    Share s = store.findByHash(hash).filter(f -> ShareTokens.sameHash(f.tokenHash(), hash))
        .orElseThrow(ShareLinks::noSuchLink);
    check(s.status(now()));
    Upload u = uploads.apply(s.uploadId()).orElseThrow(ShareLinks::noSuchLink);
    if (u.state() != UploadState.STORED) {
      throw new UploadException(Problem.GONE, "the shared file is " + u.state().dbName());
    }
    return new Opened(s, u);
  }

  /**
   * Counts one download of an opened link, just before its bytes go out. A link used up (or
   * expired, or revoked) since it was opened is refused like at {@link #open}: parallel downloads
   * never pass the maximum.
   */
  public Share count(Opened o, String address, long from, long bytes) {
    Share s = store.countDownload(o.share().tokenHash(), now()).orElse(null);
    if (s == null) {
      Share now = store.find(o.share().id()).orElseThrow(ShareLinks::noSuchLink);
      check(now.status(now()));
      throw new UploadException(Problem.GONE, "this share link has been used up");
    }
    Map<String, Object> detail = new LinkedHashMap<>();
    detail.put("share_id", s.id().toString());
    detail.put("downloads", s.downloads());
    detail.put("from", from);
    detail.put("bytes", bytes);
    record(null, AuditLog.Action.SHARE_DOWNLOADED, s.uploadId(), address, detail);
    return s;
  }

  /** The link's status now, by this service's clock. */
  public Share.Status status(Share s) {
    return s.status(now());
  }

  private static void check(Share.Status status) {
    switch (status) {
      case ACTIVE -> {}
      case REVOKED -> throw noSuchLink();
      case EXPIRED -> throw new UploadException(Problem.GONE, "this share link has expired");
      case USED_UP -> throw new UploadException(Problem.GONE, "this share link has been used up");
    }
  }

  private Upload visible(Principal who, UUID uploadId) {
    return uploads.apply(uploadId).filter(u -> who.canSee(u.owner()))
        .orElseThrow(UploadException::notFound);
  }

  private static UploadException noSuchLink() {
    return new UploadException(Problem.NOT_FOUND, "no such share link");
  }

  private OffsetDateTime now() {
    return OffsetDateTime.now(clock).truncatedTo(ChronoUnit.MICROS);
  }

  private void record(
      Principal who, AuditLog.Action action, UUID uploadId, String address, Map<String, ?> d) {
    if (audit != null) {
      audit.record(who, action, uploadId, address, d);
    }
  }
}
