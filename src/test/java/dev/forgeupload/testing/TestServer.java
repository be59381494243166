package dev.forgeupload.testing;

import dev.forgeupload.ForgeServer;
import dev.forgeupload.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A real ForgeUpload (Jetty on a free port, real PostgreSQL) inside the test JVM. Extra
 * environment entries override the defaults, e.g. {@code FORGE_MAX_UPLOAD_BYTES}.
 */
public final class TestServer implements AutoCloseable {
  private final ForgeServer server;
  private final Path dataDir;
  private final String databaseUrl;

  private TestServer(Map<String, String> env) throws Exception {
    Map<String, String> e = new HashMap<>();
    dataDir = Files.createTempDirectory("forge-test");
    databaseUrl = env.getOrDefault("FORGE_DATABASE_URL", TestDatabase.freshDatabaseUrl());
    e.put("FORGE_HTTP_PORT", "0");
    e.put("FORGE_DATA_DIR", dataDir.toString());
    e.put("FORGE_DATABASE_URL", databaseUrl);
    e.put("FORGE_DATABASE_USER", "postgres");
    e.putAll(env);
    server = ForgeServer.start(Config.fromEnv(e));
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

  @Override
  public void close() {
    server.close();
  }
}
