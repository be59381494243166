package dev.forgeupload.shares;

import java.time.OffsetDateTime;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link ShareStore} in a map, for fast tests; counting is atomic like the SQL UPDATE's. */
public final class MemoryShareStore implements ShareStore {
  private final Map<UUID, Share> rows = new ConcurrentHashMap<>();

  @Override
  public Share insert(Share s) {
    rows.put(s.id(), s);
    return s;
  }

  @Override
  public List<Share> forUpload(UUID uploadId) {
    return rows.values().stream().filter(s -> s.uploadId().equals(uploadId))
        .sorted(Comparator.comparing(Share::createdAt).reversed()).toList();
  }

  @Override
  public Optional<Share> find(UUID id) {
    return Optional.ofNullable(rows.get(id));
  }

  @Override
  public Optional<Share> findByHash(String tokenHash) {
    return rows.values().stream().filter(s -> s.tokenHash().equals(tokenHash)).findFirst();
  }

  @Override
  public boolean revoke(UUID id, OffsetDateTime at) {
    Share[] done = new Share[1];
    rows.computeIfPresent(id, (k, s) -> {
      if (s.revokedAt() != null) {
        return s;
      }
      done[0] = s;
      return new Share(s.id(), s.uploadId(), s.tokenHash(), s.createdBy(), s.createdAt(),
          s.expiresAt(), s.maxDownloads(), s.downloads(), at);
    });
    return done[0] != null;
  }

  @Override
  public Optional<Share> countDownload(String tokenHash, OffsetDateTime now) {
    Optional<Share> found = findByHash(tokenHash);
    if (found.isEmpty()) {
      return Optional.empty();
    }
    Share[] after = new Share[1];
    rows.computeIfPresent(found.get().id(), (k, s) -> {
      if (s.status(now) != Share.Status.ACTIVE) {
        return s;
      }
      after[0] = new Share(s.id(), s.uploadId(), s.tokenHash(), s.createdBy(), s.createdAt(),
          s.expiresAt(), s.maxDownloads(), s.downloads() + 1, s.revokedAt());
      return after[0];
    });
    return Optional.ofNullable(after[0]);
  }
}
