package dev.forgeupload.db;

import dev.forgeupload.core.NewUpload;
import dev.forgeupload.core.Upload;
import dev.forgeupload.core.UploadKind;
import dev.forgeupload.core.UploadState;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.util.UUID;
import org.jooq.DSLContext;
import org.jooq.exception.DataAccessException;

/**
 * The hottest statement: a new upload's row, its audit entries and (for a small upload that
 * arrived whole) its bytes, in one statement and one commit. Plain JDBC on jOOQ's connection
 * (inside the caller's transaction, if any): rendering it through jOOQ cost a fifth of the CPU of
 * a small creation-with-upload. The SQL is fixed, so PostgreSQL's JDBC driver prepares it once
 * per connection.
 */
final class UploadInsert {
  private static final String SQL =
      """
      with u as (
        insert into uploads (id, owner, filename, content_type, length, "offset", upload_type,
            concat_parts, metadata, metadata_header, creator_address, expires_at, completed_at,
            state, queued_at)
        values (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?,
            case when ? then current_timestamp end, ?,
            case when ? then current_timestamp end)
        returning id, owner, filename, length, "offset", creator_address, created_at,
            updated_at, completed_at, expires_at),
      a as (
        insert into audit_log (actor, action, upload_id, address, detail)
        select u.owner, x.action, u.id, u.creator_address, x.detail
        from u cross join lateral (values
            (1, 'upload.created', jsonb_build_object('length', u.length, 'filename', u.filename)),
            (2, 'upload.finished', jsonb_build_object('bytes', u."offset"))) as x(ord, action, detail)
        where x.ord = 1 or ?
        order by x.ord),
      b as (
        insert into inline_bodies (upload_id, bytes)
        select u.id, ?::bytea from u where ?)
      select created_at, updated_at, completed_at, expires_at from u""";

  private UploadInsert() {}

  /**
   * Inserts {@code n} with its first {@code offset} bytes received (durable in staging, or
   * {@code inline}: all of them, kept with the row) and its creation audited; {@code
   * upload.finished} too when {@code offset} completes a regular or partial upload.
   */
  static Upload insert(DSLContext dsl, NewUpload n, long offset, String contentType,
      byte[] inline) {
    boolean complete =
        n.length() != null && n.length() == offset && n.kind() != UploadKind.FINAL;
    boolean queued = complete && n.kind() == UploadKind.REGULAR;
    UploadState state = queued ? UploadState.QUEUED : UploadState.UPLOADING;
    String metadata = UploadRows.toJson(n.metadata());
    return dsl.connectionResult(c -> {
      try (PreparedStatement ps = c.prepareStatement(SQL)) {
        int i = 0;
        ps.setObject(++i, n.id());
        ps.setString(++i, n.owner());
        ps.setString(++i, n.filename());
        ps.setString(++i, contentType);
        setLong(ps, ++i, n.length());
        ps.setLong(++i, offset);
        ps.setString(++i, n.kind().dbName());
        ps.setArray(++i, parts(c, n));
        ps.setString(++i, metadata);
        ps.setString(++i, n.metadataHeader());
        ps.setString(++i, n.creatorAddress());
        ps.setObject(++i, n.expiresAt());
        ps.setBoolean(++i, complete);
        ps.setString(++i, state.dbName());
        ps.setBoolean(++i, queued);
        ps.setBoolean(++i, complete);
        ps.setBytes(++i, inline);
        ps.setBoolean(++i, inline != null);
        try (ResultSet rs = ps.executeQuery()) {
          if (!rs.next()) {
            throw new DataAccessException("the insert of upload " + n.id() + " returned no row");
          }
          return new Upload(n.id(), n.owner(), n.filename(), contentType, n.length(), offset,
              state, n.kind(), n.concatParts(), n.metadata(), n.metadataHeader(), null, null,
              null, n.creatorAddress(), rs.getObject(1, OffsetDateTime.class),
              rs.getObject(2, OffsetDateTime.class), rs.getObject(3, OffsetDateTime.class), null,
              rs.getObject(4, OffsetDateTime.class));
        }
      }
    });
  }

  private static void setLong(PreparedStatement ps, int i, Long v) throws SQLException {
    if (v == null) {
      ps.setNull(i, Types.BIGINT);
    } else {
      ps.setLong(i, v);
    }
  }

  private static java.sql.Array parts(Connection c, NewUpload n) throws SQLException {
    return n.concatParts() == null ? null
        : c.createArrayOf("uuid", n.concatParts().toArray(UUID[]::new));
  }
}
