package dev.forgeupload.cli;

import dev.forgeupload.auth.ApiKeys;
import dev.forgeupload.auth.AuditLog;
import dev.forgeupload.auth.Principal;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * {@code forgeupload apikey create|list|revoke}: API keys from the command line. Where the keys
 * are is the composition root's business (the configured database, the running server's embedded
 * one on the same FORGE_DATA_DIR, or one started for the command): it hands in an {@link Opener}.
 */
@Command(
    name = "apikey",
    description = "Create, list and revoke API keys.",
    mixinStandardHelpOptions = true,
    subcommands = {ApiKeyCommand.Create.class, ApiKeyCommand.ListKeys.class,
        ApiKeyCommand.Revoke.class})
public final class ApiKeyCommand {
  private static final Principal CLI = new Principal("cli", true, "cli");

  /** The keys and the audit log for one command; closing it closes what was opened for them. */
  public interface Session extends AutoCloseable {
    ApiKeys keys();

    AuditLog audit();

    @Override
    void close();
  }

  /** Opens a {@link Session} on the database the server uses. */
  @FunctionalInterface
  public interface Opener {
    Session open() throws Exception;
  }

  private final Opener opener;

  public ApiKeyCommand(Opener opener) {
    this.opener = opener;
  }

  @Command(name = "create", description = "Create a key; it is printed once and stored nowhere.")
  static final class Create implements Callable<Integer> {
    @ParentCommand ApiKeyCommand parent;

    @Option(names = "--owner", required = true, description = "The user whose uploads it reaches.")
    String owner;

    @Option(names = "--scope", defaultValue = "upload", description = "upload (default) or admin.")
    String scope;

    @Option(names = "--name", description = "A label, e.g. where the key is used.")
    String name;

    @Override
    public Integer call() throws Exception {
      try (Session s = parent.opener.open()) {
        ApiKeys.Created c = s.keys().create(owner, scope, name, "cli");
        s.audit()
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
    @ParentCommand ApiKeyCommand parent;

    @Override
    public Integer call() throws Exception {
      try (Session s = parent.opener.open()) {
        for (ApiKeys.KeyInfo k : s.keys().list()) {
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
    @ParentCommand ApiKeyCommand parent;

    @Parameters(index = "0", description = "The key's id (from create or list).")
    UUID id;

    @Override
    public Integer call() throws Exception {
      try (Session s = parent.opener.open()) {
        if (s.keys().revoke(id).isEmpty()) {
          System.err.println("forgeupload: no API key " + id);
          return 1;
        }
        s.audit()
            .record(CLI, AuditLog.Action.API_KEY_REVOKED, null, null,
                Map.of("key_id", id.toString()));
        System.err.println("revoked " + id);
        return 0;
      }
    }
  }
}
