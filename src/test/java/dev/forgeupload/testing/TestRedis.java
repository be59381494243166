package dev.forgeupload.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import redis.embedded.RedisServer;

/** A real redis-server of its own for one test server (starts in milliseconds). */
public final class TestRedis implements AutoCloseable {
  private final RedisServer server;
  private final int port;

  private TestRedis(RedisServer server, int port) {
    this.server = server;
    this.port = port;
  }

  public static TestRedis start() {
    try {
      int port;
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = s.getLocalPort();
      }
      RedisServer server =
          RedisServer.newRedisServer()
              .bind("127.0.0.1")
              .port(port)
              .setting("save \"\"")
              .setting("appendonly no")
              .build();
      server.start();
      return new TestRedis(server, port);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public void stop() {
    try {
      server.stop();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public void restart() {
    try {
      server.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (IOException e) {
      // already stopped
    }
  }
}
