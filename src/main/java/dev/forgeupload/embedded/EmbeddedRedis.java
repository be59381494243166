package dev.forgeupload.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.core.ExecutableProvider;

/**
 * The default mode's Redis: real redis-server binaries from Maven (embedded-redis), on a free
 * loopback port, appending to {@code <data>/redis}. Redis may lose everything anyway; PostgreSQL
 * is the truth.
 *
 * <p>Only the binary comes from embedded-redis: its {@code RedisServer} registers a JVM shutdown
 * hook that stops Redis the moment SIGTERM arrives, before the in-flight requests and workers that
 * still need it. The process is started here, detached from the terminal ({@link Detached}), and
 * stopped by {@link #close} when ForgeServer gets to it, after the workers.
 */
public final class EmbeddedRedis implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedRedis.class);
  private static final long READY_SECONDS = 60;

  private final Process process;
  private final int port;

  private EmbeddedRedis(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  public static EmbeddedRedis start(Path dataDir) throws IOException {
    Path dir = Files.createDirectories(dataDir.resolve("redis"));
    Path pidFile = dir.resolve("redis.pid");
    Orphans.stop(pidFile, "redis-server");
    int port = Orphans.freePort();
    Path conf = dir.resolve("redis.conf");
    Files.write(
        conf,
        List.of(
            "# written by ForgeUpload at every start",
            "bind 127.0.0.1",
            "port " + port,
            "dir " + quoted(dir),
            "pidfile " + quoted(pidFile),
            "appendonly yes",
            "appendfsync everysec",
            "save \"\"",
            "protected-mode yes",
            "daemonize no"),
        StandardCharsets.UTF_8);
    String binary = ExecutableProvider.newJarResourceProvider().get().getAbsolutePath();
    Process proc =
        new ProcessBuilder(Detached.command(List.of(binary, conf.toString())))
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()))
            .start();
    Orphans.write(pidFile, proc.pid());
    EmbeddedRedis redis = new EmbeddedRedis(proc, port);
    try {
      redis.awaitReady();
    } catch (IOException e) {
      redis.close();
      throw e;
    }
    log.info("EmbeddedRedisStarted port={} dir={}", port, dir);
    return redis;
  }

  private static String quoted(Path p) {
    return "\"" + p.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  /** Until PING answers PONG (not {@code -LOADING} while the append-only file is read). */
  private void awaitReady() throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(READY_SECONDS);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException(
            "redis-server exited with " + process.exitValue() + " (see redis/redis.log)");
      }
      if (pong()) {
        return;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted");
      }
    }
    throw new IOException("redis-server did not answer within " + READY_SECONDS + " s");
  }

  private boolean pong() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 500);
      s.setSoTimeout(1000);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] reply = in.readNBytes(5);
      return "+PONG".equals(new String(reply, StandardCharsets.US_ASCII));
    } catch (IOException e) {
      return false;
    }
  }

  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  /** SIGTERM: Redis writes its append-only file and exits. */
  @Override
  public void close() {
    Detached.stop(process, 10);
  }
}
