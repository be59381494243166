package dev.forgeupload.hooks;

import static dev.forgeupload.testing.TestData.meta;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.testing.HookReceiver;
import dev.forgeupload.testing.TestDatabase;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * The server's configuration decides what the database writes: without hooks the trigger is off
 * and nothing piles up in the outbox; a server started with hooks on the same database switches
 * it on, and its events flow (and show in /metrics).
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class HooksSwitchIT {

  @Test
  void without_hooks_nothing_is_written_and_with_them_everything_is() throws Exception {
    String db = TestDatabase.freshDatabaseUrl();
    try (TestServer off = TestServer.start(Map.of("FORGE_DATABASE_URL", db))) {
      new TusHttp(off.baseUrl()).upload("no hooks".getBytes(StandardCharsets.UTF_8),
          meta("off.txt", null));
      assertThat(trigger(db)).as("the trigger is disabled").isEqualTo("D");
      assertThat(deliveries(db)).isZero();
    }
    String secret = HookReceiver.newSecret();
    try (HookReceiver receiver = HookReceiver.start(secret);
        TestServer on = TestServer.start(withDb(db,
            HooksIT.hooksEnv(receiver.url(), secret, "post-create,post-finish")))) {
      assertThat(trigger(db)).as("the trigger is enabled").isEqualTo("O");
      TusHttp tus = new TusHttp(on.baseUrl());
      String id = TusHttp.id(tus.upload("hooks".getBytes(StandardCharsets.UTF_8),
          meta("on.txt", null)));
      HooksIT.awaitEvent(receiver, id, "post-finish", Duration.ofSeconds(20));
      assertThat(deliveries(db)).isEqualTo(2);
      String metrics = TusHttp.text(tus.get("/metrics"));
      assertThat(metrics)
          .contains("forge_hook_invocations_total{hooktype=\"post-create\"} 1.0")
          .contains("forge_hook_errors_total{hooktype=\"post-create\"} 0.0")
          .contains("forge_hook_delivery_lag_seconds_count")
          .contains("forge_hook_deliveries{state=\"failed\"}")
          .contains("forge_hook_oldest_pending_seconds");
    }
  }

  private static Map<String, String> withDb(String db, Map<String, String> env) {
    java.util.HashMap<String, String> m = new java.util.HashMap<>(env);
    m.put("FORGE_DATABASE_URL", db);
    return m;
  }

  private static String trigger(String db) throws SQLException {
    return one(db, "SELECT tgenabled::text FROM pg_trigger WHERE tgname = 'uploads_hook_events'");
  }

  private static long deliveries(String db) throws SQLException {
    return Long.parseLong(one(db, "SELECT count(*) FROM hook_deliveries"));
  }

  private static String one(String db, String sql) throws SQLException {
    try (Connection c = DriverManager.getConnection(db, "postgres", "");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery(sql)) {
      rs.next();
      return rs.getString(1);
    }
  }
}
