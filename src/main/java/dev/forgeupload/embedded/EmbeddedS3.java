package dev.forgeupload.embedded;

import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The default mode's S3: S3Proxy (a real S3 API server) as its own JVM with the filesystem
 * backend under {@code <data>/s3}. Its jar is {@code target/embedded/s3proxy.jar}, copied there by
 * the build (or {@code FORGE_S3PROXY_JAR}). It runs detached from the terminal ({@link Detached})
 * and stops when ForgeServer stops it, after the workers.
 */
public final class EmbeddedS3 implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedS3.class);
  private final Process process;
  private final String endpoint;
  private final String accessKey;
  private final String secretKey;

  private EmbeddedS3(Process process, String endpoint, String accessKey, String secretKey) {
    this.process = process;
    this.endpoint = endpoint;
    this.accessKey = accessKey;
    this.secretKey = secretKey;
  }

  public static EmbeddedS3 start(Path dataDir, Path jar) throws IOException {
    return start(dataDir, jar, Orphans.freePort());
  }

  /**
   * Starts S3Proxy on the given port. Stopping it and starting it again on the same data dir and
   * port gives back the same endpoint, credential and objects (what an outage test needs).
   */
  public static EmbeddedS3 start(Path dataDir, Path jar, int port) throws IOException {
    if (!Files.isRegularFile(jar)) {
      throw new IOException(
          "S3Proxy jar not found at " + jar + ": build with mvn package, or set FORGE_S3_ENDPOINT");
    }
    Path base = Files.createDirectories(dataDir.resolve("s3"));
    Path run = Files.createDirectories(dataDir.resolve("s3proxy"));
    Path pidFile = run.resolve("s3proxy.pid");
    Orphans.stop(pidFile, "s3proxy");
    String endpoint = "http://127.0.0.1:" + port;
    String secret = credential(run);
    Properties p = new Properties();
    p.setProperty("s3proxy.endpoint", endpoint);
    p.setProperty("s3proxy.authorization", "aws-v2-or-v4");
    p.setProperty("s3proxy.identity", "forge");
    p.setProperty("s3proxy.credential", secret);
    p.setProperty("jclouds.provider", "filesystem");
    p.setProperty("jclouds.identity", "forge");
    p.setProperty("jclouds.credential", secret);
    p.setProperty("jclouds.filesystem.basedir", base.toString());
    Path props = run.resolve("s3proxy.properties");
    try (var w = Files.newBufferedWriter(props, StandardCharsets.UTF_8)) {
      p.store(w, "written by ForgeUpload at every start");
    }
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process proc =
        new ProcessBuilder(
                Detached.command(
                    List.of(
                        java, "-Xmx96m", "-XX:+UseSerialGC", "-XX:MaxMetaspaceSize=96m",
                        "-XX:ReservedCodeCacheSize=32m", "-Xss512k", "-jar", jar.toString(),
                        "--properties", props.toString())))
            .redirectErrorStream(true)
            .redirectOutput(run.resolve("s3proxy.log").toFile())
            .start();
    Orphans.write(pidFile, proc.pid());
    EmbeddedS3 s3 = new EmbeddedS3(proc, endpoint, "forge", secret);
    try {
      s3.awaitReady();
    } catch (IOException e) {
      s3.close();
      throw e;
    }
    log.info("EmbeddedS3Started endpoint={} data={}", endpoint, base);
    return s3;
  }

  /** The secret persists with the data, so a restart (and a separate worker) can read it. */
  private static String credential(Path run) throws IOException {
    Path f = run.resolve("credential");
    if (Files.exists(f)) {
      return Files.readString(f, StandardCharsets.UTF_8).strip();
    }
    byte[] b = new byte[24];
    new SecureRandom().nextBytes(b);
    String secret = HexFormat.of().formatHex(b);
    Files.writeString(f, secret, StandardCharsets.UTF_8);
    try {
      Files.setPosixFilePermissions(f, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    } catch (UnsupportedOperationException e) {
      // not a POSIX file system
    }
    return secret;
  }

  private void awaitReady() throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("S3Proxy exited with " + process.exitValue() + " (see s3proxy.log)");
      }
      try {
        HttpURLConnection c = (HttpURLConnection) URI.create(endpoint + "/").toURL().openConnection();
        c.setConnectTimeout(500);
        c.setReadTimeout(2000);
        int code = c.getResponseCode();
        c.disconnect();
        if (code > 0) {
          return;
        }
      } catch (IOException e) {
        // not listening yet
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted");
      }
    }
    throw new IOException("S3Proxy did not answer within 60 s");
  }

  public String endpoint() {
    return endpoint;
  }

  public String accessKey() {
    return accessKey;
  }

  public String secretKey() {
    return secretKey;
  }

  /** Where the build puts S3Proxy: {@code <target>/embedded/s3proxy.jar} next to our classes. */
  public static Path defaultJar() {
    String env = System.getenv("FORGE_S3PROXY_JAR");
    if (env != null && !env.isBlank()) {
      return Path.of(env);
    }
    try {
      Path code =
          Path.of(EmbeddedS3.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return code.getParent().resolve("embedded").resolve("s3proxy.jar");
    } catch (Exception e) {
      return Path.of("target", "embedded", "s3proxy.jar");
    }
  }

  @Override
  public void close() {
    Detached.stop(process, 10);
  }
}
