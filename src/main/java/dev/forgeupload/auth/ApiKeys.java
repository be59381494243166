package dev.forgeupload.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/**
 * API keys: {@code fu_} + 256 random bits, shown once at creation; the {@link ApiKeyStore} keeps
 * only their SHA-256. A key is scoped {@code upload} (its owner's uploads) or {@code admin}
 * (everything). Revocation takes effect on the next request on every node (keys are looked up
 * per request).
 */
public final class ApiKeys {
  public static final String PREFIX = "fu_";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final ApiKeyStore store;

  public ApiKeys(ApiKeyStore store) {
    this.store = store;
  }

  /** A key as listed: everything but the key itself. */
  public record KeyInfo(
      UUID id, String prefix, String owner, String scope, String name, String createdBy,
      OffsetDateTime createdAt, OffsetDateTime revokedAt, OffsetDateTime lastUsedAt) {}

  /** A new key: {@code key} is shown this once and stored nowhere. */
  public record Created(KeyInfo info, String key) {}

  public Created create(String owner, String scope, String name, String createdBy) {
    if (owner == null || owner.isBlank() || owner.length() > 255) {
      throw new IllegalArgumentException("owner must be 1 to 255 characters");
    }
    if (!scope.equals("upload") && !scope.equals("admin")) {
      throw new IllegalArgumentException("scope must be upload or admin");
    }
    if (name != null && name.length() > 200) {
      throw new IllegalArgumentException("name is longer than 200 characters");
    }
    if (Principal.hasControl(owner) || (name != null && Principal.hasControl(name))) {
      throw new IllegalArgumentException("owner and name must not contain control characters");
    }
    byte[] secret = new byte[32];
    RANDOM.nextBytes(secret);
    String key = PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
    KeyInfo info =
        store.insert(
            new ApiKeyStore.NewKey(
                UUID.randomUUID(), hash(key), key.substring(0, 10), owner, scope, name,
                createdBy));
    return new Created(info, key);
  }

  public List<KeyInfo> list() {
    return store.list();
  }

  public Optional<KeyInfo> find(UUID id) {
    return store.find(id);
  }

  /** Revokes a key (idempotent); empty when there is no such key. */
  public Optional<KeyInfo> revoke(UUID id) {
    store.revoke(id);
    return find(id);
  }

  /** The principal of a valid, unrevoked key. */
  public Optional<Principal> authenticate(String key) {
    if (!key.startsWith(PREFIX) || key.length() > 100) {
      return Optional.empty();
    }
    Optional<KeyInfo> found = store.findUnrevoked(hash(key));
    if (found.isEmpty()) {
      return Optional.empty();
    }
    KeyInfo k = found.get();
    OffsetDateTime used = k.lastUsedAt();
    if (used == null || used.isBefore(OffsetDateTime.now().minusMinutes(1))) {
      store.markUsed(k.id()); // at most one write per key and minute
    }
    return Optional.of(
        new Principal(k.owner(), k.scope().equals("admin"), "api_key", null, k.id()));
  }

  /**
   * Which of these keys are still valid (exist and are not revoked): one indexed query, for
   * long-lived responses that must end when their key is revoked.
   */
  public Set<UUID> stillValid(Collection<UUID> ids) {
    if (ids.isEmpty()) {
      return Set.of();
    }
    return store.unrevoked(ids);
  }

  static String hash(String key) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
