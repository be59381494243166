package dev.forgeupload.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forgeupload.ForgeServer;
import dev.forgeupload.config.Config;
import dev.forgeupload.testing.Poll;
import dev.forgeupload.testing.TestDatabase;
import dev.forgeupload.testing.TestRedis;
import dev.forgeupload.testing.TestS3;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * {@code worker} mode has no HTTP server, so {@code FORGE_WORKER_HEALTH_PORT} gives it /healthz
 * and /readyz of its own (a container's HEALTHCHECK, a Kubernetes probe): live while the process
 * runs, ready while its PostgreSQL, Redis and S3 answer.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class WorkerHealthIT {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private static Map<String, String> workerEnv(String redisUrl) throws IOException {
    Map<String, String> env = new HashMap<>();
    env.put("FORGE_DATA_DIR", Files.createTempDirectory("forge-worker-health").toString());
    env.put("FORGE_DATABASE_URL", TestDatabase.freshDatabaseUrl());
    env.put("FORGE_DATABASE_USER", "postgres");
    env.put("FORGE_REDIS_URL", redisUrl);
    env.put("FORGE_S3_ENDPOINT", TestS3.get().endpoint());
    env.put("FORGE_S3_ACCESS_KEY", TestS3.get().accessKey());
    env.put("FORGE_S3_SECRET_KEY", TestS3.get().secretKey());
    env.put("FORGE_S3_BUCKET", TestS3.freshBucket());
    env.put("FORGE_WORKER_CONCURRENCY", "1");
    env.put("FORGE_WORKER_HEALTH_PORT", "0");
    return env;
  }

  private static HttpResponse<String> send(String method, int port, String path) {
    try {
      return HTTP.send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
              .method(method, HttpRequest.BodyPublishers.noBody())
              .timeout(Duration.ofSeconds(5))
              .build(),
          HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static int status(int port, String path) {
    return send("GET", port, path).statusCode();
  }

  /**
   * docker/healthcheck (the image's HEALTHCHECK) run here against this port: its exit code. With
   * no arguments it probes FORGE_HTTP_PORT, then FORGE_WORKER_HEALTH_PORT.
   */
  private static int healthcheck(Map<String, String> env, String... ports) throws Exception {
    java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of("bash",
        java.nio.file.Path.of("docker", "healthcheck").toAbsolutePath().toString()));
    cmd.addAll(java.util.List.of(ports));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("FORGE_"));
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getInputStream().readAllBytes();
    assertThat(p.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    return p.exitValue();
  }

  private static int unusedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void a_worker_answers_health_and_readiness_and_readiness_follows_redis() throws Exception {
    try (TestRedis redis = TestRedis.start();
        ForgeServer worker = ForgeServer.start(Config.fromEnv(workerEnv(redis.url())), false)) {
      int port = worker.healthPort();
      assertThat(port).isPositive();
      HttpResponse<String> live = send("GET", port, "/healthz");
      assertThat(live.statusCode()).isEqualTo(200);
      assertThat(live.body()).isEqualTo("ok\n");
      assertThat(live.headers().firstValue("Server")).isEmpty();
      assertThat(status(port, "/readyz")).isEqualTo(200);
      assertThat(send("HEAD", port, "/readyz").statusCode()).isEqualTo(200);
      // only the two health paths: nothing of the API or tus is served here
      assertThat(status(port, "/files/")).isEqualTo(404);
      assertThat(status(port, "/api/v1/uploads")).isEqualTo(404);
      assertThat(send("POST", port, "/readyz").statusCode()).isEqualTo(405);
      // the image's HEALTHCHECK: nothing on the server port (a worker), so the worker port
      Map<String, String> image = Map.of("FORGE_HTTP_HOST", "0.0.0.0",
          "FORGE_HTTP_PORT", Integer.toString(unusedPort()),
          "FORGE_WORKER_HEALTH_PORT", Integer.toString(port));
      assertThat(healthcheck(image)).as("healthcheck, worker ready").isZero();
      assertThat(healthcheck(Map.of(), Integer.toString(unusedPort())))
          .as("healthcheck, nothing listening").isEqualTo(1);

      redis.stop();
      Poll.until("/readyz 503 with Redis stopped", Duration.ofSeconds(15),
          () -> status(port, "/readyz"), s -> s == 503);
      assertThat(send("GET", port, "/readyz").body()).isEqualTo("not ready\n");
      assertThat(status(port, "/healthz")).as("still alive").isEqualTo(200);
      assertThat(healthcheck(image)).as("healthcheck, Redis down").isEqualTo(1);

      redis.restart();
      Poll.until("/readyz 200 with Redis back", Duration.ofSeconds(15),
          () -> status(port, "/readyz"), s -> s == 200);

      worker.close();
      assertThatThrownBy(() -> status(port, "/healthz"))
          .as("a stopped worker no longer listens")
          .hasCauseInstanceOf(ConnectException.class);
    }
  }

  @Test
  void a_busy_health_port_stops_start_up_at_once_before_any_service_is_reached()
      throws Exception {
    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Map<String, String> env = workerEnv("redis://127.0.0.1:1");
      env.put("FORGE_WORKER_HEALTH_PORT", Integer.toString(busy.getLocalPort()));
      env.put("FORGE_DATABASE_URL", "jdbc:postgresql://127.0.0.1:1/unreachable");
      // the database and Redis are unreachable: had either been tried first, their failure
      // would be the one reported, not the port
      assertThatThrownBy(() -> ForgeServer.start(Config.fromEnv(env), false))
          .isInstanceOf(Config.ConfigException.class)
          .hasMessage("FORGE_WORKER_HEALTH_PORT: 127.0.0.1:" + busy.getLocalPort()
              + " is in use (or not this host's)");
    }
  }

  @Test
  void without_the_variable_a_worker_listens_nowhere() throws Exception {
    try (TestRedis redis = TestRedis.start()) {
      Map<String, String> env = workerEnv(redis.url());
      env.remove("FORGE_WORKER_HEALTH_PORT");
      try (ForgeServer worker = ForgeServer.start(Config.fromEnv(env), false)) {
        assertThat(worker.healthPort()).isEqualTo(-1);
      }
    }
  }
}
