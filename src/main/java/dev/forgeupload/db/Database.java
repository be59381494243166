package dev.forgeupload.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.SQLException;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jooq.DSLContext;
import org.jooq.SQLDialect;
import org.jooq.conf.Settings;
import org.jooq.impl.DSL;

/**
 * Connection pools, schema migration and the jOOQ contexts. {@link #dsl} commits synchronously
 * (a commit is on disk when it returns: upload rows). {@link #lazyDsl} is a small second pool
 * whose sessions run with {@code synchronous_commit = off}: its commits are visible at once and
 * reach the disk within a fraction of a second, without waiting for the WAL flush. Only for
 * writes a database crash may lose: lock leases (they expire) and audit entries.
 */
public final class Database implements AutoCloseable {
  private static final Settings SETTINGS =
      new Settings().withExecuteLogging(false).withRenderSchema(false).withRenderCatalog(false);
  private final HikariDataSource dataSource;
  private final HikariDataSource lazySource;
  private final DSLContext dsl;
  private final DSLContext lazyDsl;

  public Database(String jdbcUrl, String user, String password, int poolSize) {
    this.dataSource = new HikariDataSource(pool("forge-db", jdbcUrl, user, password, poolSize));
    HikariConfig lazy =
        pool("forge-db-lazy", jdbcUrl, user, password, Math.max(2, Math.min(8, poolSize / 4)));
    lazy.setMinimumIdle(1);
    lazy.setConnectionInitSql("SET synchronous_commit TO OFF");
    this.lazySource = new HikariDataSource(lazy);
    this.dsl = DSL.using(dataSource, SQLDialect.POSTGRES, SETTINGS);
    this.lazyDsl = DSL.using(lazySource, SQLDialect.POSTGRES, SETTINGS);
  }

  private static HikariConfig pool(
      String name, String jdbcUrl, String user, String password, int poolSize) {
    HikariConfig hc = new HikariConfig();
    hc.setJdbcUrl(jdbcUrl);
    if (user != null) {
      hc.setUsername(user);
    }
    if (password != null) {
      hc.setPassword(password);
    }
    hc.setMaximumPoolSize(poolSize);
    hc.setPoolName(name);
    hc.setConnectionTimeout(10_000);
    hc.setInitializationFailTimeout(15_000);
    hc.addDataSourceProperty("tcpKeepAlive", "true");
    hc.addDataSourceProperty("ApplicationName", "forgeupload");
    return hc;
  }

  /**
   * One plain connection, opened and closed, before any pool exists: a database that cannot be
   * reached or refuses the login fails here with the driver's reason, within {@code
   * timeoutSeconds}, instead of in the pool's retries.
   */
  public static void probe(String jdbcUrl, String user, String password, int timeoutSeconds)
      throws SQLException {
    java.util.Properties p = new java.util.Properties();
    if (user != null) {
      p.setProperty("user", user);
    }
    if (password != null) {
      p.setProperty("password", password);
    }
    p.setProperty("connectTimeout", Integer.toString(timeoutSeconds));
    p.setProperty("loginTimeout", Integer.toString(timeoutSeconds));
    p.setProperty("ApplicationName", "forgeupload");
    try (Connection c = java.sql.DriverManager.getConnection(jdbcUrl, p)) {
      c.isValid(timeoutSeconds);
    }
  }

  /** Applies the Flyway migrations (safe to run concurrently from several processes). */
  public void migrate() {
    Flyway.configure()
        .dataSource(dataSource)
        .locations("classpath:db/migration")
        .load()
        .migrate();
  }

  public DSLContext dsl() {
    return dsl;
  }

  /** Commits that do not wait for the WAL flush (see the class comment). */
  public DSLContext lazyDsl() {
    return lazyDsl;
  }

  public DataSource dataSource() {
    return dataSource;
  }

  /** True when a trivial query answers within a second. */
  public boolean isReachable() {
    try (Connection c = dataSource.getConnection()) {
      return c.isValid(1);
    } catch (SQLException e) {
      return false;
    }
  }

  @Override
  public void close() {
    lazySource.close();
    dataSource.close();
  }
}
