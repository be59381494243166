package dev.forgeupload;

import dev.forgeupload.auth.ApiKeys;
import dev.forgeupload.auth.AuditLog;
import dev.forgeupload.cli.ApiKeyCommand;
import dev.forgeupload.config.Config;
import dev.forgeupload.db.Database;
import dev.forgeupload.db.JooqApiKeyStore;
import dev.forgeupload.db.JooqAuditStore;
import java.io.IOException;

/**
 * The CLI's keys and audit log on the database the server uses, resolved by {@link Services}
 * like every mode's, opened (and migrated) for one command.
 */
final class CliSession implements ApiKeyCommand.Session {
  /** A command needs one connection at a time. */
  private static final int DB_POOL = 2;

  private final Started started;
  private final ApiKeys keys;
  private final AuditLog audit;

  private CliSession(Started started, Database db) {
    this.started = started;
    this.keys = new ApiKeys(new JooqApiKeyStore(db.dsl()));
    this.audit = new AuditLog(new JooqAuditStore(db.lazyDsl()));
  }

  static CliSession open(Config config) throws IOException {
    Started started = new Started();
    try {
      Services.Endpoints at = Services.database(config.services(), started);
      return new CliSession(started, Backends.database(at, config.services(), DB_POOL, started));
    } catch (IOException | RuntimeException e) {
      started.close();
      throw e;
    }
  }

  @Override
  public ApiKeys keys() {
    return keys;
  }

  @Override
  public AuditLog audit() {
    return audit;
  }

  @Override
  public void close() {
    started.close();
  }
}
