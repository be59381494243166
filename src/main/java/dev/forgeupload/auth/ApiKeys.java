package dev.forgeupload.auth;

import static dev.forgeupload.db.generated.Tables.API_KEYS;

import dev.forgeupload.db.generated.tables.records.ApiKeysRecord;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/**
 * API keys: {@code fu_} + 256 random bits, shown once at creation; PostgreSQL keeps only their
 * SHA-256. A key is scoped {@code upload} (its owner's uploads) or {@code admin} (everything).
 * Revocation takes effect on the next request on every node (keys are looked up per request).
 */
public final class ApiKeys {
  public static final String PREFIX = "fu_";
  private static final SecureRandom RANDOM = new SecureRandom();

  private final DSLContext dsl;

  public ApiKeys(DSLContext dsl) {
    this.dsl = dsl;
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
    ApiKeysRecord r =
        dsl.insertInto(API_KEYS)
            .set(API_KEYS.ID, UUID.randomUUID())
            .set(API_KEYS.KEY_HASH, hash(key))
            .set(API_KEYS.PREFIX, key.substring(0, 10))
            .set(API_KEYS.OWNER, owner)
            .set(API_KEYS.SCOPE, scope)
            .set(API_KEYS.NAME, name)
            .set(API_KEYS.CREATED_BY, createdBy)
            .returning()
            .fetchOne();
    return new Created(info(r), key);
  }

  public List<KeyInfo> list() {
    return dsl.selectFrom(API_KEYS).orderBy(API_KEYS.CREATED_AT.desc()).fetch(ApiKeys::info);
  }

  public Optional<KeyInfo> find(UUID id) {
    return dsl.selectFrom(API_KEYS).where(API_KEYS.ID.eq(id)).fetchOptional().map(ApiKeys::info);
  }

  /** Revokes a key (idempotent); empty when there is no such key. */
  public Optional<KeyInfo> revoke(UUID id) {
    dsl.update(API_KEYS)
        .set(API_KEYS.REVOKED_AT, DSL.currentOffsetDateTime())
        .where(API_KEYS.ID.eq(id).and(API_KEYS.REVOKED_AT.isNull()))
        .execute();
    return find(id);
  }

  /** The principal of a valid, unrevoked key. */
  public Optional<Principal> authenticate(String key) {
    if (!key.startsWith(PREFIX) || key.length() > 100) {
      return Optional.empty();
    }
    Optional<ApiKeysRecord> found =
        dsl.selectFrom(API_KEYS)
            .where(API_KEYS.KEY_HASH.eq(hash(key)).and(API_KEYS.REVOKED_AT.isNull()))
            .fetchOptional();
    if (found.isEmpty()) {
      return Optional.empty();
    }
    ApiKeysRecord r = found.get();
    OffsetDateTime used = r.getLastUsedAt();
    if (used == null || used.isBefore(OffsetDateTime.now().minusMinutes(1))) {
      // at most one write per key and minute
      dsl.update(API_KEYS)
          .set(API_KEYS.LAST_USED_AT, DSL.currentOffsetDateTime())
          .where(API_KEYS.ID.eq(r.getId()))
          .execute();
    }
    return Optional.of(
        new Principal(r.getOwner(), r.getScope().equals("admin"), "api_key", null, r.getId()));
  }

  /**
   * Which of these keys are still valid (exist and are not revoked): one indexed query, for
   * long-lived responses that must end when their key is revoked.
   */
  public Set<UUID> stillValid(Collection<UUID> ids) {
    if (ids.isEmpty()) {
      return Set.of();
    }
    return new HashSet<>(
        dsl.select(API_KEYS.ID)
            .from(API_KEYS)
            .where(API_KEYS.ID.in(ids).and(API_KEYS.REVOKED_AT.isNull()))
            .fetch(API_KEYS.ID));
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

  private static KeyInfo info(ApiKeysRecord r) {
    return new KeyInfo(
        r.getId(), r.getPrefix(), r.getOwner(), r.getScope(), r.getName(), r.getCreatedBy(),
        r.getCreatedAt(), r.getRevokedAt(), r.getLastUsedAt());
  }
}
