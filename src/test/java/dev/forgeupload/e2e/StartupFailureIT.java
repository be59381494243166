package dev.forgeupload.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.embedded.EmbeddedS3;
import dev.forgeupload.testing.ServerProcess;
import dev.forgeupload.testing.TestDatabase;
import dev.forgeupload.testing.TestRedis;
import dev.forgeupload.testing.TestS3;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.nio.channels.SocketChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Start-ups that cannot succeed stop early with one line that says why, where and which variable
 * to change, a non-zero exit and no stack trace: a taken HTTP port (before any embedded service
 * starts), and each of PostgreSQL, Redis and S3 configured at a port where nothing listens (the
 * production shape: all three configured, two of them real).
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class StartupFailureIT {
  /**
   * A refused connection fails at once; the time is the JVM, a fresh database's migrations and
   * loading the clients (5 s idle, 10-25 s measured under a load of 16 on 2 cores). The bound
   * only catches a start-up that waits or retries instead of failing.
   */
  private static final double SERVICE_FAILURE_SECONDS = 40;

  private static final String WITHOUT_RETRIES = "fails on the first refusal, no waiting";

  @TempDir Path tmp;

  @Test
  void a_busy_port_fails_within_seconds_naming_host_port_and_variable_before_any_service()
      throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.setReuseAddress(true);
      taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      int port = taken.getLocalPort();
      Path data = tmp.resolve("data");
      // the embedded default: without the early bind, PostgreSQL, Redis, S3Proxy and the
      // workers would all start first (about 20 s here)
      Failure f = fail("busy-port", data, Map.of("FORGE_HTTP_PORT", Integer.toString(port)));

      assertThat(f.line())
          .as("one line naming the port and its variable; log:%n%s", f.log())
          .startsWith("forgeupload: port 127.0.0.1:" + port + " is in use")
          .contains("FORGE_HTTP_PORT=" + port);
      // ~1.5 s on an idle machine, 3.4 s measured under a load of 16 on 2 cores
      assertThat(f.seconds()).as("fails at once, not after the services").isLessThan(8);
      assertThat(f.log())
          .as("no embedded service or worker was started")
          .doesNotContain("EmbeddedPostgresStarted", "EmbeddedRedisStarted", "EmbeddedS3Started",
              "WorkersStarted");
      assertThat(data.resolve("postgres")).doesNotExist();
      assertThat(data.resolve("redis")).doesNotExist();
      assertThat(data.resolve("s3proxy")).doesNotExist();
      System.out.printf("StartupFailureIT: busy port failed in %.1f s%n", f.seconds());
    }
  }

  @Test
  void an_unreachable_postgresql_is_named_with_its_url_and_variable() throws Exception {
    int closed = closedPort();
    String url = "jdbc:postgresql://127.0.0.1:" + closed + "/forge";
    try (TestRedis redis = TestRedis.start()) {
      Map<String, String> env = production(url, redis.url(), TestS3.get().endpoint());
      Failure f = fail("no-postgres", tmp.resolve("data"), env);
      assertThat(f.line())
          .as("log:%n%s", f.log())
          .isEqualTo("forgeupload: PostgreSQL unreachable at " + url
              + " (FORGE_DATABASE_URL): Connection refused");
      assertThat(f.seconds()).as(WITHOUT_RETRIES).isLessThan(SERVICE_FAILURE_SECONDS);
    }
  }

  @Test
  void an_unreachable_redis_is_named_with_its_url_and_variable() throws Exception {
    String url = "redis://127.0.0.1:" + closedPort();
    Map<String, String> env =
        production(TestDatabase.freshDatabaseUrl(), url, TestS3.get().endpoint());
    Failure f = fail("no-redis", tmp.resolve("data"), env);
    assertThat(f.line())
        .as("log:%n%s", f.log())
        .isEqualTo("forgeupload: Redis unreachable at " + url
            + " (FORGE_REDIS_URL): Connection refused");
    assertThat(f.seconds()).as(WITHOUT_RETRIES).isLessThan(SERVICE_FAILURE_SECONDS);
  }

  @Test
  void an_unreachable_s3_is_named_with_its_url_and_variable() throws Exception {
    String url = "http://127.0.0.1:" + closedPort();
    try (TestRedis redis = TestRedis.start()) {
      Map<String, String> env = production(TestDatabase.freshDatabaseUrl(), redis.url(), url);
      Failure f = fail("no-s3", tmp.resolve("data"), env);
      assertThat(f.line())
          .as("log:%n%s", f.log())
          .isEqualTo("forgeupload: S3 unreachable at " + url
              + " (FORGE_S3_ENDPOINT): Connection refused");
      assertThat(f.seconds()).as(WITHOUT_RETRIES).isLessThan(SERVICE_FAILURE_SECONDS);
    }
  }

  /** All three services configured: nothing embedded is started. */
  private static Map<String, String> production(String db, String redis, String s3) {
    EmbeddedS3 realS3 = TestS3.get();
    Map<String, String> env = new HashMap<>(ServerProcess.externalDb(db));
    env.put("FORGE_REDIS_URL", redis);
    env.put("FORGE_S3_ENDPOINT", s3);
    env.put("FORGE_S3_ACCESS_KEY", realS3.accessKey());
    env.put("FORGE_S3_SECRET_KEY", realS3.secretKey());
    env.put("FORGE_S3_BUCKET", TestS3.freshBucket());
    return env;
  }

  private record Failure(String line, double seconds, String log) {}

  /**
   * Runs the server process until it exits, expecting a failure: exit code 1, one line starting
   * with {@code forgeupload: } (the reason), and no stack trace anywhere in its output.
   */
  private static Failure fail(String name, Path data, Map<String, String> env) {
    long t0 = System.nanoTime();
    ServerProcess p = ServerProcess.spawn(name, data, env);
    try {
      assertThat(p.waitFor(Duration.ofSeconds(60))).as("exited; log:%n%s", p.logTail()).isTrue();
      double seconds = (System.nanoTime() - t0) / 1e9;
      String log = p.logText();
      assertThat(p.exitValue()).as("exit code; log:%n%s", log).isEqualTo(1);
      List<String> lines = log.lines().filter(l -> l.startsWith("forgeupload: ")).toList();
      assertThat(lines).as("one reason line; log:%n%s", log).hasSize(1);
      assertThat(log.lines().filter(l -> l.startsWith("\tat ") || l.startsWith("Caused by")))
          .as("no stack trace at the default log level")
          .isEmpty();
      assertThat(log).doesNotContain("Ready url=");
      return new Failure(lines.get(0), seconds, log);
    } finally {
      p.close();
    }
  }

  /**
   * A loopback port where nothing listens, held by this test's (bound, never listening) socket so
   * no other process can take it meanwhile: a port only bound for a moment was once taken by a
   * server of a parallel test, which answered the S3 client. Closed after each test.
   */
  private int closedPort() throws IOException {
    SocketChannel ch = SocketChannel.open();
    held.add(ch);
    ch.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    return ((InetSocketAddress) ch.getLocalAddress()).getPort();
  }

  private final List<SocketChannel> held = new java.util.ArrayList<>();

  @AfterEach
  void releasePorts() throws IOException {
    for (SocketChannel ch : held) {
      ch.close();
    }
  }
}
