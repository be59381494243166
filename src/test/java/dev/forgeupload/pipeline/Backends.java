package dev.forgeupload.pipeline;

import dev.forgeupload.embedded.EmbeddedS3;
import dev.forgeupload.testing.TestData;
import io.minio.GetObjectArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.Result;
import io.minio.messages.Item;
import java.io.InputStream;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;

/**
 * What the pipeline leaves in the bucket (through a MinIO client) and in PostgreSQL, read behind
 * the server's back. HTTP goes through {@link dev.forgeupload.testing.TusHttp}.
 */
final class Backends {
  static final int MIB = 1 << 20;

  private Backends() {}

  // ---- S3

  static MinioClient minio(EmbeddedS3 s3) {
    return MinioClient.builder()
        .endpoint(s3.endpoint())
        .credentials(s3.accessKey(), s3.secretKey())
        .region("us-east-1")
        .build();
  }

  static byte[] object(MinioClient c, String bucket, String key) {
    try (InputStream in =
        c.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
      return in.readAllBytes();
    } catch (Exception e) {
      throw new AssertionError("S3 get " + bucket + "/" + key + ": " + e, e);
    }
  }

  /** SHA-256 of an object, streamed (for objects too big to hold twice). */
  static String objectSha256(MinioClient c, String bucket, String key) {
    MessageDigest md = TestData.sha256();
    try (InputStream in =
        c.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
      byte[] buf = new byte[1 << 16];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    } catch (Exception e) {
      throw new AssertionError("S3 get " + bucket + "/" + key + ": " + e, e);
    }
    return HexFormat.of().formatHex(md.digest());
  }

  /** Every object key in the bucket under the prefix (recursive). */
  static List<String> keys(MinioClient c, String bucket, String prefix) {
    List<String> out = new ArrayList<>();
    try {
      for (Result<Item> r :
          c.listObjects(
              ListObjectsArgs.builder().bucket(bucket).prefix(prefix).recursive(true).build())) {
        out.add(r.get().objectName());
      }
    } catch (Exception e) {
      throw new AssertionError("S3 list " + bucket + "/" + prefix + ": " + e, e);
    }
    return out;
  }

  /** Every key in the bucket that contains the upload id as a path segment. */
  static List<String> keysOf(MinioClient c, String bucket, String id) {
    return keys(c, bucket, "uploads/").stream().filter(k -> k.contains("/" + id + "/")).toList();
  }

  // ---- PostgreSQL

  /** The states an upload went through, oldest first (the upload_events timeline). */
  static List<String> timeline(String jdbcUrl, String id) {
    List<String> out = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
        PreparedStatement s =
            c.prepareStatement("SELECT state FROM upload_events WHERE upload_id = ? ORDER BY id")) {
      s.setObject(1, UUID.fromString(id));
      try (ResultSet rs = s.executeQuery()) {
        while (rs.next()) {
          out.add(rs.getString(1));
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }

  /** The upload's state straight from PostgreSQL. */
  static String dbState(String jdbcUrl, String id) {
    try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
        PreparedStatement s = c.prepareStatement("SELECT state FROM uploads WHERE id = ?")) {
      s.setObject(1, UUID.fromString(id));
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? rs.getString(1) : null;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
