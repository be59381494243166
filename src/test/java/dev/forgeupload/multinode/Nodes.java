package dev.forgeupload.multinode;

import dev.forgeupload.embedded.EmbeddedS3;
import dev.forgeupload.testing.ServerProcess;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TestS3;
import dev.forgeupload.testing.TusHttp;
import io.minio.GetObjectArgs;
import io.minio.MinioClient;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;

/** What the multi-node tests read behind the proxy: one node's metrics, an object's digest. */
final class Nodes {
  static final int MIB = 1 << 20;

  private Nodes() {}

  /**
   * {@code forge_upload_received_bytes_total} of one node, asked directly (not through nginx):
   * upload body bytes that node took in. -1 when the node does not answer (killed).
   */
  static long receivedBytes(ServerProcess node) {
    HttpResponse<byte[]> r;
    try {
      r = new TusHttp(node.baseUrl()).withTimeout(Duration.ofSeconds(5)).get("/metrics");
    } catch (UncheckedIOException gone) {
      return -1;
    }
    if (r.statusCode() != 200) {
      return -1;
    }
    return new String(r.body(), StandardCharsets.UTF_8)
        .lines()
        .filter(l -> l.startsWith("forge_upload_received_bytes_total"))
        .mapToLong(l -> (long) Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
        .sum();
  }

  /** SHA-256 of the object at {@code key} in the embedded S3 server, streamed. */
  static String objectSha256(String bucket, String key) {
    EmbeddedS3 s3 = TestS3.get();
    MinioClient c =
        MinioClient.builder()
            .endpoint(s3.endpoint())
            .credentials(s3.accessKey(), s3.secretKey())
            .region("us-east-1")
            .build();
    MessageDigest md = TestData.sha256();
    try (InputStream in = c.getObject(GetObjectArgs.builder().bucket(bucket).object(key).build())) {
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
}
