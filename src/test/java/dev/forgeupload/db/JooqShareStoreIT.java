package dev.forgeupload.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forgeupload.shares.Share;
import dev.forgeupload.shares.ShareStore;
import dev.forgeupload.shares.ShareStoreContract;
import dev.forgeupload.testing.TestDatabase;
import java.util.UUID;
import org.jooq.exception.DataAccessException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The share store contract on real PostgreSQL (V11), and the {@code logical_name} column the
 * migration generates: relativePath when sent (not empty, not Uppy's "null"; leading slashes
 * dropped), else the filename.
 */
class JooqShareStoreIT extends ShareStoreContract {
  private static Database db;
  private static JooqShareStore store;

  @BeforeAll
  static void start() {
    db = new Database(TestDatabase.freshDatabaseUrl(), "postgres", null, 10);
    db.migrate();
    store = new JooqShareStore(db.dsl());
  }

  @AfterAll
  static void stop() {
    db.close();
  }

  @Override
  protected ShareStore store() {
    return store;
  }

  @Override
  protected UUID newUpload() {
    return insert("a.txt", "{}");
  }

  private static UUID insert(String filename, String metadata) {
    UUID id = UUID.randomUUID();
    db.dsl().execute("insert into uploads (id, owner, filename, metadata) values (?, 'alice', ?, ?::jsonb)",
        id, filename, metadata);
    return id;
  }

  private static String logicalName(UUID id) {
    return db.dsl().fetchValue("select logical_name from uploads where id = ?", id).toString();
  }

  @Test
  void the_logical_name_is_the_relative_path_when_sent_else_the_filename() {
    assertThat(logicalName(insert("b.txt", "{\"relativePath\":\"docs/b.txt\"}"))).isEqualTo("docs/b.txt");
    assertThat(logicalName(insert("b.txt", "{\"relativePath\":\"/docs/b.txt\"}"))).isEqualTo("docs/b.txt");
    assertThat(logicalName(insert("b.txt", "{\"relativePath\":\"null\"}"))).isEqualTo("b.txt");
    assertThat(logicalName(insert("b.txt", "{\"relativePath\":\"\"}"))).isEqualTo("b.txt");
    assertThat(logicalName(insert("b.txt", "{}"))).isEqualTo("b.txt");
    UUID nameless = insert(null, "{}");
    assertThat(db.dsl().fetchValue("select logical_name from uploads where id = ?", nameless))
        .isNull();
  }

  @Test
  void a_links_upload_must_exist() {
    assertThatThrownBy(() -> store.insert(new Share(UUID.randomUUID(), UUID.randomUUID(),
            "h".repeat(64), null, T, T.plusSeconds(1), null, 0, null)))
        .isInstanceOf(DataAccessException.class);
  }
}
