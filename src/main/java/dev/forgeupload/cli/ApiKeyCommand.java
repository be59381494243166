package dev.forgeupload.cli;

import dev.forgeupload.Main;
import dev.forgeupload.auth.ApiKeys;
import dev.forgeupload.auth.AuditLog;
import dev.forgeupload.auth.Principal;
import dev.forgeupload.config.Config;
import dev.forgeupload.db.Database;
import dev.forgeupload.db.JooqApiKeyStore;
import dev.forgeupload.db.JooqAuditStore;
import dev.forgeupload.embedded.DataDirLock;
import dev.forgeupload.embedded.EmbeddedDatabase;
import dev.forgeupload.embedded.EmbeddedEndpoints;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code forgeupload apikey create|list|revoke}: API keys from the command line, against the
 * configured database, the running server's embedded one (same FORGE_DATA_DIR), or, when no server
 * runs, the embedded database started for the command.
 */
@Command(
    name = "apikey",
    description = "Create, list and revoke API keys.",
    mixinStandardHelpOptions = true,
    subcommands = {ApiKeyCommand.Create.class, ApiKeyCommand.ListKeys.class,
        ApiKeyCommand.Revoke.class})
public final class ApiKeyCommand {
  private static final Principal CLI = new Principal("cli", true, "cli");

  @Command(name = "create", description = "Create a key; it is printed once and stored nowhere.")
  static final class Create implements Callable<Integer> {
    @Option(names = "--owner", required = true, description = "The user whose uploads it reaches.")
    String owner;

    @Option(names = "--scope", defaultValue = "upload", description = "upload (default) or admin.")
    String scope;

    @Option(names = "--name", description = "A label, e.g. where the key is used.")
    String name;

    @Override
    public Integer call() throws Exception {
      try (Db db = Db.open(Main.config())) {
        ApiKeys.Created c = new ApiKeys(new JooqApiKeyStore(db.database.dsl())).create(owner, scope, name, "cli");
        new AuditLog(new JooqAuditStore(db.database.dsl()))
            .record(CLI, AuditLog.Action.API_KEY_CREATED, null, null,
                Map.of("key_id", c.info().id().toString(), "owner", owner, "scope", scope));
        System.err.println("id " + c.info().id() + " owner " + owner + " scope " + scope
            + " (the key below is shown once)");
        System.out.println(c.key());
        return 0;
      } catch (IllegalArgumentException e) {
        System.err.println("forgeupload: " + e.getMessage());
        return 2;
      }
    }
  }

  @Command(name = "list", description = "List keys (prefix, owner, scope, state).")
  static final class ListKeys implements Callable<Integer> {
    @Override
    public Integer call() throws Exception {
      try (Db db = Db.open(Main.config())) {
        for (ApiKeys.KeyInfo k : new ApiKeys(new JooqApiKeyStore(db.database.dsl())).list()) {
          System.out.printf("%s  %s…  %-7s %-20s %s%s%n", k.id(), k.prefix(), k.scope(),
              k.owner(), k.name() == null ? "" : k.name(),
              k.revokedAt() == null ? "" : "  (revoked " + k.revokedAt() + ")");
        }
        return 0;
      }
    }
  }

  @Command(name = "revoke", description = "Revoke a key by id; effective at once on every node.")
  static final class Revoke implements Callable<Integer> {
    @Parameters(index = "0", description = "The key's id (from create or list).")
    UUID id;

    @Override
    public Integer call() throws Exception {
      try (Db db = Db.open(Main.config())) {
        if (new ApiKeys(new JooqApiKeyStore(db.database.dsl())).revoke(id).isEmpty()) {
          System.err.println("forgeupload: no API key " + id);
          return 1;
        }
        new AuditLog(new JooqAuditStore(db.database.dsl()))
            .record(CLI, AuditLog.Action.API_KEY_REVOKED, null, null,
                Map.of("key_id", id.toString()));
        System.err.println("revoked " + id);
        return 0;
      }
    }
  }

  /** The database the server uses, opened (and migrated) for one command. */
  private static final class Db implements AutoCloseable {
    final Deque<AutoCloseable> opened = new ArrayDeque<>();
    Database database;

    static Db open(Config config) throws IOException {
      Db db = new Db();
      try {
        String url = config.services().databaseUrl();
        String user = config.services().databaseUser();
        if (config.services().embeddedDatabase()) {
          DataDirLock lock = tryLock(config);
          if (lock == null) {
            // a server runs on this data directory: use its embedded database
            Config adopted = EmbeddedEndpoints.adopt(config);
            url = adopted.services().databaseUrl();
            user = adopted.services().databaseUser();
          } else {
            db.opened.push(lock);
            EmbeddedDatabase embedded = EmbeddedDatabase.start(config.services().dataDir());
            db.opened.push(embedded);
            url = embedded.jdbcUrl();
            user = embedded.user();
          }
        }
        db.database = new Database(url, user, config.services().databasePassword(), 2);
        db.opened.push(db.database);
        db.database.migrate();
        return db;
      } catch (IOException | RuntimeException e) {
        db.close();
        throw e;
      }
    }

    private static DataDirLock tryLock(Config config) {
      try {
        return DataDirLock.acquire(config.services().dataDir());
      } catch (IOException e) {
        return null;
      }
    }

    @Override
    public void close() {
      while (!opened.isEmpty()) {
        try {
          opened.pop().close();
        } catch (Exception e) {
          System.err.println("forgeupload: closing: " + e);
        }
      }
    }
  }

  public ApiKeyCommand() {}

}
