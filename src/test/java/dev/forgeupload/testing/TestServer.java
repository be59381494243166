package dev.forgeupload.testing;

import dev.forgeupload.ForgeServer;
import dev.forgeupload.config.Config;
import dev.forgeupload.queue.RedisNames;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A real ForgeUpload (Jetty on a free port, real PostgreSQL) inside the test JVM. Extra
 * environment entries override the defaults, e.g. {@code FORGE_MAX_UPLOAD_BYTES}; {@code
 * FORGE_STAGING} comes from {@link Staging} unless given.
 */
public final class TestServer implements AutoCloseable {
  private final ForgeServer server;
  private final Path dataDir;
  private final String databaseUrl;
  private final TestRedis redis;
  private final String bucket;

  private TestServer(Map<String, String> env) throws Exception {
    Map<String, String> e = new HashMap<>();
    dataDir = Files.createTempDirectory("forge-test");
    databaseUrl = env.getOrDefault("FORGE_DATABASE_URL", TestDatabase.freshDatabaseUrl());
    e.put("FORGE_HTTP_PORT", "0");
    e.put("FORGE_DATA_DIR", dataDir.toString());
    e.put("FORGE_DATABASE_URL", databaseUrl);
    e.put("FORGE_DATABASE_USER", "postgres");
    redis = env.containsKey("FORGE_REDIS_URL") ? null : TestRedis.start();
    if (redis != null) {
      e.put("FORGE_REDIS_URL", redis.url());
    }
    bucket = env.getOrDefault("FORGE_S3_BUCKET", TestS3.freshBucket());
    if (!env.containsKey("FORGE_S3_ENDPOINT")) {
      e.put("FORGE_S3_ENDPOINT", TestS3.get().endpoint());
      e.put("FORGE_S3_ACCESS_KEY", TestS3.get().accessKey());
      e.put("FORGE_S3_SECRET_KEY", TestS3.get().secretKey());
    }
    e.put("FORGE_S3_BUCKET", bucket);
    e.put("FORGE_RECONCILE_SECONDS", "1");
    // tests send bursts from one address; the limits are tested where they are set explicitly
    e.put("FORGE_RATE_ADDRESS_PER_MINUTE", "0");
    e.put("FORGE_RATE_OWNER_PER_MINUTE", "0");
    e.put("FORGE_STAGING", Staging.mode());
    e.putAll(env);
    try {
      server = ForgeServer.start(Config.fromEnv(e));
    } catch (Exception ex) {
      if (redis != null) {
        redis.close();
      }
      throw ex;
    }
  }

  public static TestServer start() {
    return start(Map.of());
  }

  public static TestServer start(Map<String, String> env) {
    try {
      return new TestServer(env);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + server.port();
  }

  public String filesUrl() {
    return baseUrl() + "/files/";
  }

  public int port() {
    return server.port();
  }

  public Path dataDir() {
    return dataDir;
  }

  public String databaseUrl() {
    return databaseUrl;
  }

  /** This server's own Redis (null when the caller passed FORGE_REDIS_URL). */
  public TestRedis redis() {
    return redis;
  }

  public String bucket() {
    return bucket;
  }

  /** The names this server's deployment uses in Redis (under its namespace). */
  public RedisNames redisNames() {
    return server.redisNames();
  }

  @Override
  public void close() {
    server.close();
    if (redis != null) {
      redis.close();
    }
  }
}
