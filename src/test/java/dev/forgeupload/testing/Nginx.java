package dev.forgeupload.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real load balancer for multi-node tests: Debian's nginx ({@code /usr/sbin/nginx}) run as the
 * current user in the foreground, with its own prefix, config, pid, temp and log files in a fresh
 * directory, round-robin over the given upstream ports. The proxy directives are
 * docker/nginx/forgeupload-proxy.conf, the file compose's nginx includes. The access log records,
 * per request, which upstream answered ({@link #requests}).
 */
public final class Nginx implements AutoCloseable {
  public static final Path BINARY = Path.of("/usr/sbin/nginx");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

  /** One line of the access log: which node got which request and what it answered. */
  public record Request(String method, String uri, int status, String upstream, long bytesIn) {}

  private final Path dir;
  private final int port;
  private final Process process;

  private Nginx(Path dir, int port, Process process) {
    this.dir = dir;
    this.port = port;
    this.process = process;
  }

  /** Starts nginx on a free loopback port in front of {@code 127.0.0.1:<upstreamPorts>}. */
  public static Nginx start(List<Integer> upstreamPorts) {
    if (!Files.isExecutable(BINARY)) {
      throw new IllegalStateException(
          BINARY + " is missing: the multi-node tests need Debian's nginx (apt-get install nginx)");
    }
    try {
      Path dir = Files.createTempDirectory("forge-nginx");
      for (String d : List.of("logs", "tmp/body", "tmp/proxy", "tmp/fastcgi", "tmp/uwsgi", "tmp/scgi")) {
        Files.createDirectories(dir.resolve(d));
      }
      int port = freePort();
      Path conf = dir.resolve("nginx.conf");
      Files.writeString(conf, config(dir, port, upstreamPorts), StandardCharsets.UTF_8);
      Process p =
          new ProcessBuilder(BINARY.toString(), "-p", dir + "/", "-c", conf.toString(), "-e",
                  dir.resolve("logs/error.log").toString())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("logs/stdout.log").toFile()))
              .start();
      Nginx n = new Nginx(dir, port, p);
      try {
        n.awaitListening();
      } catch (RuntimeException | Error e) {
        n.close();
        throw e;
      }
      return n;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String config(Path dir, int port, List<Integer> upstreamPorts) {
    StringBuilder servers = new StringBuilder();
    for (int p : upstreamPorts) {
      // a refused connection takes the node out for 2 s (the default 10 s would slow tests that
      // restart nothing but kill a node and go on with the other)
      servers.append("    server 127.0.0.1:").append(p).append(" max_fails=1 fail_timeout=2s;\n");
    }
    Path shared = projectDir().resolve("docker/nginx/forgeupload-proxy.conf");
    return String.join(
        "\n",
        "daemon off;",
        "master_process on;",
        // as root, nginx would run its worker as nobody, who cannot use this private temp dir
        "root".equals(System.getProperty("user.name")) ? "user root;" : "",
        "worker_processes 1;",
        "pid " + dir.resolve("nginx.pid") + ";",
        "error_log " + dir.resolve("logs/error.log") + " info;",
        "events { worker_connections 512; }",
        "http {",
        "  log_format upstreams '$request_method $uri $status $upstream_addr $request_length';",
        "  access_log " + dir.resolve("logs/access.log") + " upstreams;",
        "  client_body_temp_path " + dir.resolve("tmp/body") + ";",
        "  proxy_temp_path " + dir.resolve("tmp/proxy") + ";",
        "  fastcgi_temp_path " + dir.resolve("tmp/fastcgi") + ";",
        "  uwsgi_temp_path " + dir.resolve("tmp/uwsgi") + ";",
        "  scgi_temp_path " + dir.resolve("tmp/scgi") + ";",
        "  upstream forgeupload {",
        servers + "    keepalive 16;",
        "  }",
        "  server {",
        "    listen 127.0.0.1:" + port + ";",
        "    include " + shared + ";",
        "  }",
        "}",
        "");
  }

  private void awaitListening() {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "nginx exited with " + process.exitValue() + " before listening:\n" + logTail());
      }
      try (Socket s = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException notYet) {
        Poll.sleep(50);
      }
    }
    throw new IllegalStateException("nginx not listening within " + START_TIMEOUT + ":\n" + logTail());
  }

  public int port() {
    return port;
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + port;
  }

  public String filesUrl() {
    return baseUrl() + "/files/";
  }

  /** Every request nginx finished so far, oldest first. */
  public List<Request> requests() {
    List<Request> out = new ArrayList<>();
    try {
      for (String line : Files.readAllLines(dir.resolve("logs/access.log"), StandardCharsets.UTF_8)) {
        String[] f = line.split(" ");
        if (f.length == 5) {
          out.add(new Request(f[0], f[1], Integer.parseInt(f[2]), f[3], parseLong(f[4])));
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static long parseLong(String s) {
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** The access log and the end of the error log, for assertion messages. */
  public String logTail() {
    return "nginx access log:\n" + tail(dir.resolve("logs/access.log"), 60)
        + "\nnginx error log:\n" + tail(dir.resolve("logs/error.log"), 20)
        + tail(dir.resolve("logs/stdout.log"), 20);
  }

  private static String tail(Path f, int n) {
    try {
      if (!Files.exists(f)) {
        return "";
      }
      List<String> lines = Files.readAllLines(f, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - n), lines.size()));
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  /** SIGTERM (nginx's fast shutdown), then SIGKILL for the master and its worker. */
  @Override
  public void close() {
    List<ProcessHandle> children = process.descendants().toList();
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    children.forEach(ProcessHandle::destroyForcibly);
  }

  static Path projectDir() {
    return Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }
}
