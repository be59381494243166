package dev.forgeupload.testing;

import dev.forgeupload.embedded.EmbeddedS3;
import io.minio.ListMultipartUploadsArgs;
import io.minio.ListObjectsArgs;
import io.minio.MinioAsyncClient;
import io.minio.MinioClient;
import io.minio.Result;
import io.minio.messages.Item;
import io.minio.messages.ListMultipartUploadsResult;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Where an upload's staged bytes are, under the staging the test runs with ({@link Staging}):
 * with disk, {@code <data>/staging/<id>.bin}; with s3, its {@code s3_staging} row in PostgreSQL
 * (multipart upload, checkpoints, the first bytes of small uploads), an open multipart upload or
 * an object in the server's bucket whose key holds the upload id (a tail), other than the stored
 * object.
 * Tests ask {@link #present} instead of looking at the staging directory, so they check the same
 * thing under both stagings. Under s3, a staging file on local disk is itself a failure.
 */
public final class StagedBytes {
  private StagedBytes() {}

  /** Whether staging holds any bytes of the upload (the stored object does not count). */
  public static boolean present(TestServer server, String id) {
    return present(server.dataDir(), server.databaseUrl(), server.bucket(), id, null);
  }

  /** The same, not counting the object under {@code storedKey} (null: none stored). */
  public static boolean present(TestServer server, String id, String storedKey) {
    return present(server.dataDir(), server.databaseUrl(), server.bucket(), id, storedKey);
  }

  public static boolean present(
      Path dataDir, String jdbcUrl, String bucket, String id, String storedKey) {
    Path file = dataDir.resolve("staging").resolve(id + ".bin");
    if (!Staging.s3()) {
      return Files.exists(file);
    }
    if (Files.exists(file)) {
      throw new AssertionError("FORGE_STAGING=s3 but " + file + " exists on local disk");
    }
    return hasStagingRow(jdbcUrl, id) || !inS3(bucket, id, storedKey).isEmpty();
  }

  /** Whether PostgreSQL still has s3 staging state (an {@code s3_staging} row) for the upload. */
  public static boolean hasStagingRow(String jdbcUrl, String id) {
    try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
        PreparedStatement s =
            c.prepareStatement("SELECT 1 FROM s3_staging WHERE upload_id = ?")) {
      s.setObject(1, UUID.fromString(id));
      try (ResultSet rs = s.executeQuery()) {
        return rs.next();
      }
    } catch (SQLException e) {
      throw new AssertionError("s3_staging of " + id + ": " + e, e);
    }
  }

  /**
   * Under s3 staging, the multipart uploads ("mpu:<key>") and objects of the upload in the
   * bucket, besides {@code storedKey}.
   */
  public static List<String> inS3(String bucket, String id, String storedKey) {
    EmbeddedS3 s3 = TestS3.get();
    List<String> found = new ArrayList<>();
    MinioClient c =
        MinioClient.builder().endpoint(s3.endpoint())
            .credentials(s3.accessKey(), s3.secretKey()).region("us-east-1").build();
    try {
      for (Result<Item> r :
          c.listObjects(ListObjectsArgs.builder().bucket(bucket).recursive(true).build())) {
        String key = r.get().objectName();
        if (key.contains(id) && !Objects.equals(key, storedKey)) {
          found.add(key);
        }
      }
      MinioAsyncClient a =
          MinioAsyncClient.builder().endpoint(s3.endpoint())
              .credentials(s3.accessKey(), s3.secretKey()).region("us-east-1").build();
      ListMultipartUploadsResult mpus =
          a.listMultipartUploads(ListMultipartUploadsArgs.builder().bucket(bucket).build())
              .get().result();
      for (ListMultipartUploadsResult.Upload u :
          mpus.uploads() == null ? List.<ListMultipartUploadsResult.Upload>of() : mpus.uploads()) {
        if (u.objectName().contains(id)) {
          found.add("mpu:" + u.objectName());
        }
      }
    } catch (Exception e) {
      throw new AssertionError("S3 listing of " + bucket + ": " + e, e);
    }
    return found;
  }
}
