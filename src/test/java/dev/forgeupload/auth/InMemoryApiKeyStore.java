package dev.forgeupload.auth;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** A fake {@link ApiKeyStore}: keys by id with their hashes, calls counted. */
final class InMemoryApiKeyStore implements ApiKeyStore {
  final Map<UUID, ApiKeys.KeyInfo> keys = new LinkedHashMap<>();
  final Map<String, UUID> byHash = new LinkedHashMap<>();
  final List<NewKey> inserted = new ArrayList<>();
  final List<UUID> used = new ArrayList<>();
  int lookups;
  int unrevokedCalls;

  @Override
  public ApiKeys.KeyInfo insert(NewKey k) {
    inserted.add(k);
    ApiKeys.KeyInfo info = new ApiKeys.KeyInfo(k.id(), k.prefix(), k.owner(), k.scope(), k.name(),
        k.createdBy(), OffsetDateTime.now(ZoneOffset.UTC), null, null);
    keys.put(k.id(), info);
    byHash.put(k.keyHash(), k.id());
    return info;
  }

  /** Sets when the key was last used (null: never). */
  void lastUsed(UUID id, OffsetDateTime at) {
    ApiKeys.KeyInfo k = keys.get(id);
    keys.put(id, new ApiKeys.KeyInfo(k.id(), k.prefix(), k.owner(), k.scope(), k.name(),
        k.createdBy(), k.createdAt(), k.revokedAt(), at));
  }

  @Override
  public List<ApiKeys.KeyInfo> list() {
    return keys.values().stream()
        .sorted(Comparator.comparing(ApiKeys.KeyInfo::createdAt).reversed()).toList();
  }

  @Override
  public Optional<ApiKeys.KeyInfo> find(UUID id) {
    return Optional.ofNullable(keys.get(id));
  }

  @Override
  public void revoke(UUID id) {
    ApiKeys.KeyInfo k = keys.get(id);
    if (k != null && k.revokedAt() == null) {
      keys.put(id, new ApiKeys.KeyInfo(k.id(), k.prefix(), k.owner(), k.scope(), k.name(),
          k.createdBy(), k.createdAt(), OffsetDateTime.now(ZoneOffset.UTC), k.lastUsedAt()));
    }
  }

  @Override
  public Optional<ApiKeys.KeyInfo> findUnrevoked(String keyHash) {
    lookups++;
    UUID id = byHash.get(keyHash);
    return find(id == null ? new UUID(0, 0) : id).filter(k -> k.revokedAt() == null);
  }

  @Override
  public void markUsed(UUID id) {
    used.add(id);
    lastUsed(id, OffsetDateTime.now(ZoneOffset.UTC));
  }

  @Override
  public Set<UUID> unrevoked(Collection<UUID> ids) {
    unrevokedCalls++;
    Set<UUID> out = new HashSet<>();
    for (UUID id : ids) {
      find(id).filter(k -> k.revokedAt() == null).ifPresent(k -> out.add(id));
    }
    return out;
  }
}
