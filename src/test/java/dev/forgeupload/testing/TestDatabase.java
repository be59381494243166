package dev.forgeupload.testing;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.UUID;

/**
 * One embedded PostgreSQL per test JVM (started on first use, stopped at exit); every caller gets
 * a fresh database in it, so tests never see each other's rows.
 */
public final class TestDatabase {
  private static EmbeddedPostgres postgres;

  private TestDatabase() {}

  private static synchronized EmbeddedPostgres postgres() {
    if (postgres == null) {
      try {
        postgres =
            EmbeddedPostgres.builder().setServerConfig("max_connections", "300").start();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      postgres.close();
                    } catch (IOException ignored) {
                      // exiting anyway
                    }
                  }));
    }
    return postgres;
  }

  /** A JDBC URL of a new, empty database (user postgres, no password). */
  public static String freshDatabaseUrl() {
    String name = "t_" + UUID.randomUUID().toString().replace("-", "");
    try (Connection c = postgres().getPostgresDatabase().getConnection();
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return postgres().getJdbcUrl("postgres", name);
  }
}
