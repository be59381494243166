package dev.forgeupload.objects;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.forgeupload.embedded.EmbeddedS3;
import dev.forgeupload.testing.TestS3;
import io.minio.ListObjectsArgs;
import io.minio.MinioClient;
import io.minio.Result;
import io.minio.StatObjectArgs;
import io.minio.GetObjectArgs;
import io.minio.messages.Item;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** What the object tests read behind the server's back: the bucket and the objects table. */
final class ObjectsFixture {
  static final String SECRET = "objects-test-secret-0123456789abcdef0123456789";

  private ObjectsFixture() {}

  static String token(String sub, String scope) {
    try {
      JWTClaimsSet.Builder c = new JWTClaimsSet.Builder().subject(sub)
          .issueTime(Date.from(Instant.now()))
          .expirationTime(Date.from(Instant.now().plusSeconds(3600)));
      if (scope != null) {
        c.claim("scope", scope);
      }
      SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), c.build());
      jwt.sign(new MACSigner(SECRET.getBytes(StandardCharsets.UTF_8)));
      return jwt.serialize();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  static MinioClient minio() {
    EmbeddedS3 s3 = TestS3.get();
    return MinioClient.builder().endpoint(s3.endpoint())
        .credentials(s3.accessKey(), s3.secretKey()).region("us-east-1").build();
  }

  /** Every key in the bucket with its size. */
  static Map<String, Long> objects(String bucket) {
    Map<String, Long> out = new LinkedHashMap<>();
    try {
      for (Result<Item> r : minio().listObjects(
          ListObjectsArgs.builder().bucket(bucket).recursive(true).build())) {
        out.put(r.get().objectName(), r.get().size());
      }
    } catch (Exception e) {
      throw new AssertionError("S3 list " + bucket + ": " + e, e);
    }
    return out;
  }

  static long size(String bucket, String key) {
    try {
      return minio().statObject(StatObjectArgs.builder().bucket(bucket).object(key).build()).size();
    } catch (Exception e) {
      throw new AssertionError("S3 stat " + key + ": " + e, e);
    }
  }

  static byte[] raw(String bucket, String key) {
    try (InputStream in =
        minio().getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
      return in.readAllBytes();
    } catch (Exception e) {
      throw new AssertionError("S3 get " + key + ": " + e, e);
    }
  }

  /** Rows of a query, each as column name to value. */
  static List<Map<String, Object>> sql(String jdbcUrl, String query, Object... args) {
    List<Map<String, Object>> out = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
        PreparedStatement s = c.prepareStatement(query)) {
      for (int i = 0; i < args.length; i++) {
        s.setObject(i + 1, args[i]);
      }
      if (!s.execute()) {
        return out;
      }
      try (ResultSet rs = s.getResultSet()) {
        while (rs.next()) {
          Map<String, Object> row = new LinkedHashMap<>();
          for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
            row.put(rs.getMetaData().getColumnName(i), rs.getObject(i));
          }
          out.add(row);
        }
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
    return out;
  }
}
