package dev.forgeupload.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

/**
 * The default mode's Redis: real redis-server binaries from Maven (embedded-redis), on a free
 * loopback port, appending to {@code <data>/redis}. Redis may lose everything anyway; PostgreSQL
 * is the truth.
 */
public final class EmbeddedRedis implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedRedis.class);
  private final RedisServer server;
  private final int port;

  private EmbeddedRedis(RedisServer server, int port) {
    this.server = server;
    this.port = port;
  }

  public static EmbeddedRedis start(Path dataDir) throws IOException {
    Path dir = Files.createDirectories(dataDir.resolve("redis"));
    Path pidFile = dir.resolve("redis.pid");
    Orphans.stop(pidFile, "redis-server");
    int port = Orphans.freePort();
    RedisServer server =
        RedisServer.newRedisServer()
            .bind("127.0.0.1")
            .port(port)
            .setting("dir " + dir)
            .setting("pidfile " + pidFile)
            .setting("appendonly yes")
            .setting("appendfsync everysec")
            .setting("save \"\"")
            .setting("protected-mode yes")
            .onShutdownForceStop(false) // ForgeServer stops it after the workers
            .build();
    server.start();
    log.info("EmbeddedRedisStarted port={} dir={}", port, dir);
    return new EmbeddedRedis(server, port);
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  @Override
  public void close() throws IOException {
    server.stop();
  }
}
