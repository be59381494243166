package dev.forgeupload.db;

import static dev.forgeupload.db.generated.Tables.API_KEYS;

import dev.forgeupload.auth.ApiKeyStore;
import dev.forgeupload.auth.ApiKeys;
import dev.forgeupload.db.generated.tables.records.ApiKeysRecord;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.impl.DSL;

/** {@link ApiKeyStore} on PostgreSQL: the {@code api_keys} table, looked up by the key's hash. */
public final class JooqApiKeyStore implements ApiKeyStore {
  private final DSLContext dsl;

  public JooqApiKeyStore(DSLContext dsl) {
    this.dsl = dsl;
  }

  @Override
  public ApiKeys.KeyInfo insert(NewKey key) {
    ApiKeysRecord r =
        dsl.insertInto(API_KEYS)
            .set(API_KEYS.ID, key.id())
            .set(API_KEYS.KEY_HASH, key.keyHash())
            .set(API_KEYS.PREFIX, key.prefix())
            .set(API_KEYS.OWNER, key.owner())
            .set(API_KEYS.SCOPE, key.scope())
            .set(API_KEYS.NAME, key.name())
            .set(API_KEYS.CREATED_BY, key.createdBy())
            .returning()
            .fetchOne();
    return info(r);
  }

  @Override
  public List<ApiKeys.KeyInfo> list() {
    return dsl.selectFrom(API_KEYS)
        .orderBy(API_KEYS.CREATED_AT.desc())
        .fetch(JooqApiKeyStore::info);
  }

  @Override
  public Optional<ApiKeys.KeyInfo> find(UUID id) {
    return dsl.selectFrom(API_KEYS)
        .where(API_KEYS.ID.eq(id))
        .fetchOptional()
        .map(JooqApiKeyStore::info);
  }

  @Override
  public void revoke(UUID id) {
    dsl.update(API_KEYS)
        .set(API_KEYS.REVOKED_AT, DSL.currentOffsetDateTime())
        .where(API_KEYS.ID.eq(id).and(API_KEYS.REVOKED_AT.isNull()))
        .execute();
  }

  @Override
  public Optional<ApiKeys.KeyInfo> findUnrevoked(String keyHash) {
    return dsl.selectFrom(API_KEYS)
        .where(API_KEYS.KEY_HASH.eq(keyHash).and(API_KEYS.REVOKED_AT.isNull()))
        .fetchOptional()
        .map(JooqApiKeyStore::info);
  }

  @Override
  public void markUsed(UUID id) {
    dsl.update(API_KEYS)
        .set(API_KEYS.LAST_USED_AT, DSL.currentOffsetDateTime())
        .where(API_KEYS.ID.eq(id))
        .execute();
  }

  @Override
  public Set<UUID> unrevoked(Collection<UUID> ids) {
    return new HashSet<>(
        dsl.select(API_KEYS.ID)
            .from(API_KEYS)
            .where(API_KEYS.ID.in(ids).and(API_KEYS.REVOKED_AT.isNull()))
            .fetch(API_KEYS.ID));
  }

  private static ApiKeys.KeyInfo info(ApiKeysRecord r) {
    return new ApiKeys.KeyInfo(
        r.getId(), r.getPrefix(), r.getOwner(), r.getScope(), r.getName(), r.getCreatedBy(),
        r.getCreatedAt(), r.getRevokedAt(), r.getLastUsedAt());
  }
}
