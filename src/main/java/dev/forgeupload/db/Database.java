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

/** Connection pool, schema migration and the jOOQ context. */
public final class Database implements AutoCloseable {
  private final HikariDataSource dataSource;
  private final DSLContext dsl;

  public Database(String jdbcUrl, String user, String password, int poolSize) {
    HikariConfig hc = new HikariConfig();
    hc.setJdbcUrl(jdbcUrl);
    if (user != null) {
      hc.setUsername(user);
    }
    if (password != null) {
      hc.setPassword(password);
    }
    hc.setMaximumPoolSize(poolSize);
    hc.setPoolName("forge-db");
    hc.setConnectionTimeout(10_000);
    hc.setInitializationFailTimeout(15_000);
    hc.addDataSourceProperty("tcpKeepAlive", "true");
    hc.addDataSourceProperty("ApplicationName", "forgeupload");
    this.dataSource = new HikariDataSource(hc);
    this.dsl =
        DSL.using(
            dataSource,
            SQLDialect.POSTGRES,
            new Settings().withExecuteLogging(false).withRenderSchema(false));
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
    dataSource.close();
  }
}
