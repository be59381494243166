package dev.forgeupload.e2e;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;

/** The upload_locks table, read behind the servers' backs. */
final class LockRows {
  private LockRows() {}

  record LockRow(String holder, double heartbeatAgeSeconds, boolean releaseRequested) {}

  static Optional<LockRow> lockRow(String jdbcUrl, UUID uploadId) {
    try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
        PreparedStatement s =
            c.prepareStatement(
                "SELECT holder, extract(epoch FROM now() - heartbeat_at), release_requested"
                    + " FROM upload_locks WHERE upload_id = ?")) {
      s.setObject(1, uploadId);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        return Optional.of(new LockRow(rs.getString(1), rs.getDouble(2), rs.getBoolean(3)));
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  static double seconds(long nanos) {
    return nanos / 1e9;
  }
}
