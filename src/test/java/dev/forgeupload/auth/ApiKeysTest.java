package dev.forgeupload.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.OffsetDateTime;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** API keys on an in-memory store: what is checked at creation, stored, and accepted. */
class ApiKeysTest {
  private final InMemoryApiKeyStore store = new InMemoryApiKeyStore();
  private final ApiKeys keys = new ApiKeys(store);

  private static String sha256(String s) throws Exception {
    return HexFormat.of().formatHex(
        MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void a_new_key_is_shown_once_and_stored_as_its_hash() throws Exception {
    ApiKeys.Created c = keys.create("ann", "upload", "laptop", "admin");
    assertThat(c.key()).startsWith("fu_").hasSize(3 + 43).matches("fu_[A-Za-z0-9_-]{43}");
    ApiKeyStore.NewKey stored = store.inserted.get(0);
    assertThat(stored.keyHash()).isEqualTo(sha256(c.key())).isEqualTo(ApiKeys.hash(c.key()));
    assertThat(stored.prefix()).isEqualTo(c.key().substring(0, 10));
    assertThat(stored.owner()).isEqualTo("ann");
    assertThat(stored.scope()).isEqualTo("upload");
    assertThat(stored.name()).isEqualTo("laptop");
    assertThat(stored.createdBy()).isEqualTo("admin");
    assertThat(c.info().id()).isEqualTo(stored.id());
    assertThat(keys.create("ann", "upload", null, null).key()).isNotEqualTo(c.key());
  }

  @Test
  void owner_scope_and_name_are_checked() {
    assertThat(keys.create("o".repeat(255), "admin", "n".repeat(200), null)).isNotNull();
    for (String owner : new String[] {null, "", "  ", "o".repeat(256), "a\u0000b", "a\nb"}) {
      assertThatThrownBy(() -> keys.create(owner, "upload", null, null)).as(String.valueOf(owner))
          .isInstanceOf(IllegalArgumentException.class);
    }
    assertThatThrownBy(() -> keys.create("ann", "root", null, null))
        .hasMessage("scope must be upload or admin");
    assertThatThrownBy(() -> keys.create("ann", "upload", "n".repeat(201), null))
        .hasMessage("name is longer than 200 characters");
    assertThatThrownBy(() -> keys.create("ann", "upload", "a\u007fb", null))
        .hasMessage("owner and name must not contain control characters");
    assertThatThrownBy(() -> keys.create("a\tb", "upload", null, null))
        .hasMessage("owner and name must not contain control characters");
    assertThatThrownBy(() -> keys.create(null, "upload", null, null))
        .hasMessage("owner must be 1 to 255 characters");
    assertThat(store.inserted).hasSize(1);
  }

  @Test
  void a_valid_key_names_its_owner_and_scope() {
    ApiKeys.Created up = keys.create("ann", "upload", null, null);
    ApiKeys.Created admin = keys.create("root", "admin", null, null);
    Principal p = keys.authenticate(up.key()).orElseThrow();
    assertThat(p.subject()).isEqualTo("ann");
    assertThat(p.admin()).isFalse();
    assertThat(p.via()).isEqualTo("api_key");
    assertThat(p.keyId()).isEqualTo(up.info().id());
    assertThat(p.expiresAt()).isNull();
    assertThat(keys.authenticate(admin.key()).orElseThrow().admin()).isTrue();
  }

  @Test
  void malformed_unknown_and_revoked_keys_are_refused() {
    ApiKeys.Created c = keys.create("ann", "upload", null, null);
    assertThat(keys.authenticate("xx_" + c.key().substring(3))).isEmpty();
    assertThat(keys.authenticate("fu_" + "a".repeat(98))).isEmpty(); // 101 chars: not looked up
    assertThat(store.lookups).isZero();
    assertThat(keys.authenticate("fu_" + "a".repeat(97))).isEmpty(); // 100 chars: looked up
    assertThat(store.lookups).isEqualTo(1);
    assertThat(keys.revoke(c.info().id())).hasValueSatisfying(
        k -> assertThat(k.revokedAt()).isNotNull());
    assertThat(keys.authenticate(c.key())).isEmpty();
    assertThat(keys.revoke(UUID.randomUUID())).isEmpty();
  }

  @Test
  void use_is_recorded_at_most_once_a_minute() {
    ApiKeys.Created c = keys.create("ann", "upload", null, null);
    UUID id = c.info().id();
    keys.authenticate(c.key());
    assertThat(store.used).containsExactly(id);
    keys.authenticate(c.key());
    assertThat(store.used).hasSize(1);
    store.lastUsed(id, OffsetDateTime.now().minusSeconds(50));
    keys.authenticate(c.key());
    assertThat(store.used).hasSize(1);
    store.lastUsed(id, OffsetDateTime.now().minusSeconds(70));
    keys.authenticate(c.key());
    assertThat(store.used).hasSize(2);
  }

  @Test
  void listing_finding_and_what_is_still_valid() {
    ApiKeys.Created a = keys.create("ann", "upload", "a", null);
    ApiKeys.Created b = keys.create("bob", "upload", "b", null);
    assertThat(keys.list()).extracting(ApiKeys.KeyInfo::id)
        .containsExactlyInAnyOrder(a.info().id(), b.info().id());
    assertThat(keys.find(a.info().id())).contains(a.info());
    keys.revoke(b.info().id());
    assertThat(keys.stillValid(List.of(a.info().id(), b.info().id())))
        .containsExactly(a.info().id());
    assertThat(keys.stillValid(List.of())).isEqualTo(Set.of());
    assertThat(store.unrevokedCalls).as("no query for nothing").isEqualTo(1);
  }
}
