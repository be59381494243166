package dev.forgeupload.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.apache.commons.io.file.PathUtils;
import org.junit.jupiter.api.Test;

/** The embedded PostgreSQL runs with the settings a 201/204 relies on, and the measured ones. */
class EmbeddedDatabaseIT {
  @Test
  void it_runs_durable_with_small_buffers_and_unzeroed_wal_segments() throws Exception {
    Path dir = Files.createTempDirectory("forge-embedded-db");
    try (EmbeddedDatabase db = EmbeddedDatabase.start(dir);
        Connection c = DriverManager.getConnection(db.jdbcUrl(), db.user(), "")) {
      assertThat(setting(c, "fsync")).isEqualTo("on");
      assertThat(setting(c, "synchronous_commit")).isEqualTo("on");
      assertThat(setting(c, "full_page_writes")).isEqualTo("on");
      assertThat(setting(c, "shared_buffers")).isEqualTo("32MB");
      assertThat(setting(c, "wal_init_zero")).isEqualTo("off");
    } finally {
      PathUtils.deleteDirectory(dir);
    }
  }

  private static String setting(Connection c, String name) throws Exception {
    try (Statement s = c.createStatement(); ResultSet r = s.executeQuery("SHOW " + name)) {
      assertThat(r.next()).isTrue();
      return r.getString(1);
    }
  }
}
