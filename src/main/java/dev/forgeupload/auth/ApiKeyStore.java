package dev.forgeupload.auth;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * Where API keys are kept (PostgreSQL: {@code db/JooqApiKeyStore}). It holds a key's SHA-256,
 * never the key; what a key is and who it makes are {@link ApiKeys}' rules.
 */
public interface ApiKeyStore {
  /** A key to store: its hash and the first characters of the key, for people to recognise. */
  record NewKey(
      UUID id, String keyHash, String prefix, String owner, String scope, String name,
      String createdBy) {}

  /** Stores a new key and returns it as listed (with its creation time). */
  ApiKeys.KeyInfo insert(NewKey key);

  /** Every key, newest first. */
  List<ApiKeys.KeyInfo> list();

  Optional<ApiKeys.KeyInfo> find(UUID id);

  /** Marks the key revoked now, unless it already is (idempotent). */
  void revoke(UUID id);

  /** The key with this hash, unless it was revoked. */
  Optional<ApiKeys.KeyInfo> findUnrevoked(String keyHash);

  /** Records that the key was used now. */
  void markUsed(UUID id);

  /** Which of these keys exist and are not revoked. */
  Set<UUID> unrevoked(Collection<UUID> ids);
}
