package dev.forgeupload.testing;

import dev.forgeupload.embedded.EmbeddedS3;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.UUID;

/** One S3Proxy per test JVM (started on first use); every caller gets its own bucket name. */
public final class TestS3 {
  private static EmbeddedS3 s3;

  private TestS3() {}

  public static synchronized EmbeddedS3 get() {
    if (s3 == null) {
      try {
        s3 = EmbeddedS3.start(Files.createTempDirectory("forge-s3"), EmbeddedS3.defaultJar());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Runtime.getRuntime().addShutdownHook(new Thread(s3::close));
    }
    return s3;
  }

  public static String freshBucket() {
    return "t-" + UUID.randomUUID().toString().substring(0, 18);
  }
}
