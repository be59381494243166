package dev.forgeupload.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * ForgeUpload as a separate JVM ({@code java -cp <test classpath> dev.forgeupload.Main}), for
 * tests that kill it (SIGKILL), stop it (SIGTERM) or run two of them. Its stdout and stderr go to
 * {@code target/e2e-logs/<staging>/<name>-<n>-<test JVM pid>.log} (the pid keeps parallel test
 * forks apart). {@link #start} returns once {@code GET /readyz} is 200. It runs with {@code
 * FORGE_STAGING} from {@link Staging} unless {@code env} sets it.
 */
public final class ServerProcess implements AutoCloseable {
  private static final AtomicInteger STARTS = new AtomicInteger();
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    // A test JVM that dies early must not leave servers behind.
    Runtime.getRuntime()
        .addShutdownHook(new Thread(() -> LIVE.forEach(Process::destroyForcibly), "server-reaper"));
  }
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(120);
  /** What a test server runs with, unless it starts as {@code scripts/run} does. */
  private static final List<String> TEST_JVM = List.of("-Xmx768m");

  private final String name;
  private final Path dataDir;
  private final Map<String, String> env;
  private final Process process;
  private final int port;
  private final Path log;
  private final boolean worker;
  private final List<String> jvmOptions;

  private ServerProcess(String name, Path dataDir, Map<String, String> env, boolean worker,
      List<String> jvmOptions) throws IOException {
    this.name = name;
    this.worker = worker;
    this.jvmOptions = List.copyOf(jvmOptions);
    this.dataDir = dataDir;
    this.env = Map.copyOf(env);
    this.port = freePort();
    Path logs =
        targetDir().resolve("e2e-logs").resolve(env.getOrDefault("FORGE_STAGING", Staging.mode()));
    Files.createDirectories(logs);
    this.log =
        logs.resolve(
            name + "-" + STARTS.incrementAndGet() + "-" + ProcessHandle.current().pid() + ".log");

    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmOptions);
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("dev.forgeupload.Main");
    if (worker) {
      cmd.add("worker");
    }
    ProcessBuilder pb = new ProcessBuilder(cmd);
    Map<String, String> penv = pb.environment();
    penv.keySet().removeIf(k -> k.startsWith("FORGE_"));
    penv.put("FORGE_HTTP_HOST", "127.0.0.1");
    penv.put("FORGE_HTTP_PORT", Integer.toString(port));
    penv.put("FORGE_DATA_DIR", dataDir.toString());
    penv.put("FORGE_STAGING", Staging.mode());
    penv.putAll(env);
    pb.redirectErrorStream(true);
    Files.writeString(
        log,
        "# " + String.join(" ", cmd.subList(0, 1 + jvmOptions.size()))
            + " ... dev.forgeupload.Main"
            + (worker ? " worker" : "") + " env=" + env
            + " port=" + port + "\n",
        StandardCharsets.UTF_8);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    this.process = pb.start();
    LIVE.add(process);
    process.onExit().thenRun(() -> LIVE.remove(process));
  }

  /**
   * Starts a server on a free port with {@code FORGE_DATA_DIR=dataDir} and the given extra
   * environment (for example {@code FORGE_DATABASE_URL}; without it the server runs its embedded
   * PostgreSQL under the data dir). Waits for readiness.
   */
  public static ServerProcess start(String name, Path dataDir, Map<String, String> env) {
    return start(name, dataDir, env, false);
  }

  /**
   * Starts {@code Main worker} (workers and reconciler, no HTTP) with {@code FORGE_DATA_DIR=dataDir}
   * (the staging directory it reads: the server's) and the given environment; returns once it
   * logged {@code WorkerReady}.
   */
  public static ServerProcess startWorker(String name, Path dataDir, Map<String, String> env) {
    return start(name, dataDir, env, true);
  }

  private static ServerProcess start(
      String name, Path dataDir, Map<String, String> env, boolean worker) {
    return start(name, dataDir, env, worker, TEST_JVM);
  }

  private static ServerProcess start(String name, Path dataDir, Map<String, String> env,
      boolean worker, List<String> jvmOptions) {
    ServerProcess p;
    try {
      Files.createDirectories(dataDir);
      p = new ServerProcess(name, dataDir, env, worker, jvmOptions);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    try {
      p.awaitReady();
    } catch (RuntimeException | Error e) {
      p.close();
      throw e;
    }
    return p;
  }

  /**
   * Starts {@code Main} (server mode) without waiting for anything: for start-ups that are meant
   * to fail. {@code env} may set {@code FORGE_HTTP_PORT} (then {@link #port()} is not the port).
   */
  public static ServerProcess spawn(String name, Path dataDir, Map<String, String> env) {
    try {
      Files.createDirectories(dataDir);
      return new ServerProcess(name, dataDir, env, false, TEST_JVM);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts a server as {@code scripts/run} does: with the JVM options of {@code scripts/java-opts}
   * and its malloc settings, plus {@code extraJvmOptions}. Waits for readiness.
   */
  public static ServerProcess startAsScriptsRun(
      String name, Path dataDir, Map<String, String> env, List<String> extraJvmOptions) {
    List<String> options = new ArrayList<>(scriptsJavaOpts());
    options.addAll(extraJvmOptions);
    Map<String, String> penv = new HashMap<>(env);
    penv.putIfAbsent("MALLOC_ARENA_MAX", "1");
    penv.putIfAbsent("MALLOC_TRIM_THRESHOLD_", "65536");
    return start(name, dataDir, penv, false, options);
  }

  /** The options in {@code scripts/java-opts}, one per line, comments left out. */
  private static List<String> scriptsJavaOpts() {
    Path file = targetDir().resolveSibling("scripts").resolve("java-opts");
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
          .map(String::trim)
          .filter(l -> !l.isEmpty() && !l.startsWith("#"))
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Environment for an external (shared) database, e.g. one from {@link TestDatabase}. */
  public static Map<String, String> externalDb(String jdbcUrl) {
    Map<String, String> m = new HashMap<>();
    m.put("FORGE_DATABASE_URL", jdbcUrl);
    m.put("FORGE_DATABASE_USER", "postgres");
    return m;
  }

  /** A new server on the same data dir and environment (new port). */
  public ServerProcess restart() {
    if (process.isAlive()) {
      throw new IllegalStateException(name + " is still running (pid " + pid() + ")");
    }
    return start(name, dataDir, env, worker, jvmOptions);
  }

  private boolean logSays(String text) {
    try {
      return Files.readString(log, StandardCharsets.UTF_8).contains(text);
    } catch (IOException e) {
      return false;
    }
  }

  private void awaitReady() {
    TusHttp readiness = new TusHttp(baseUrl()).withTimeout(Duration.ofSeconds(2));
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            name + " exited with " + process.exitValue() + " before it was ready; log " + log
                + ":\n" + logTail());
      }
      if (worker) {
        if (logSays("WorkerReady")) {
          return;
        }
        sleep(100);
        continue;
      }
      try {
        if (readiness.get("/readyz").statusCode() == 200) {
          return;
        }
      } catch (UncheckedIOException notYet) {
        // not listening yet
      }
      sleep(100);
    }
    throw new IllegalStateException(
        name + " not ready within " + READY_TIMEOUT + "; log " + log + ":\n" + logTail());
  }

  public long pid() {
    return process.pid();
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

  public Path dataDir() {
    return dataDir;
  }

  public Path logFile() {
    return log;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL: no shutdown hook runs. Returns once the process is gone. */
  public void kill9() {
    process.toHandle().destroyForcibly();
    waitFor(Duration.ofSeconds(30));
  }

  /** SIGTERM: the JVM runs its shutdown hooks (graceful stop). Does not wait. */
  public void sigterm() {
    process.destroy();
  }

  /** Waits for the process to exit; true when it did within the timeout. */
  public boolean waitFor(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  public int exitValue() {
    return process.exitValue();
  }

  /** The whole log (stdout and stderr) so far. */
  public String logText() {
    try {
      return Files.readString(log, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The log once it contains a match of {@code pattern}, waiting up to {@code timeout} (a line
   * logged just after a state the API already shows); the log as it is when the time is up.
   */
  public String logTextOnce(java.util.regex.Pattern pattern, Duration timeout)
      throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    String text = logText();
    while (!pattern.matcher(text).find() && System.nanoTime() < end) {
      Thread.sleep(50);
      text = logText();
    }
    return text;
  }

  /** The last lines of the server's log, for assertion messages. */
  public String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  /**
   * Stops the server if it still runs (SIGTERM, then SIGKILL), then the embedded PostgreSQL left
   * on its data dir by a SIGKILL, so tests leave no processes behind.
   */
  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      if (!waitFor(Duration.ofSeconds(20))) {
        process.toHandle().destroyForcibly();
        waitFor(Duration.ofSeconds(10));
      }
    }
    if (!env.containsKey("FORGE_DATABASE_URL")) {
      stopEmbeddedPostgres(dataDir);
    }
    // A server killed with SIGKILL leaves its embedded Redis and S3Proxy running too.
    stopPidFile(dataDir.resolve("redis").resolve("redis.pid"), "redis-server");
    stopPidFile(dataDir.resolve("s3proxy").resolve("s3proxy.pid"), "s3proxy");
  }

  private static void stopPidFile(Path pidFile, String commandContains) {
    try {
      if (!Files.exists(pidFile)) {
        return;
      }
      long pid = Long.parseLong(Files.readString(pidFile, StandardCharsets.UTF_8).trim());
      ProcessHandle.of(pid)
          .filter(ProcessHandle::isAlive)
          .filter(
              h ->
                  h.info().commandLine().or(() -> h.info().command()).orElse("")
                      .contains(commandContains))
          .ifPresent(
              h -> {
                h.destroy();
                try {
                  h.onExit().get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                  h.destroyForcibly();
                }
              });
    } catch (IOException | NumberFormatException e) {
      // nothing to stop
    }
  }

  /** The PostgreSQL that a server in embedded mode started on this data dir, if it still runs. */
  public static Optional<ProcessHandle> embeddedPostgres(Path dataDir) {
    Path pidFile = dataDir.resolve("postgres").resolve("postmaster.pid");
    try {
      if (!Files.exists(pidFile)) {
        return Optional.empty();
      }
      List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
      if (lines.isEmpty()) {
        return Optional.empty();
      }
      long pid = Long.parseLong(lines.get(0).trim());
      return ProcessHandle.of(pid)
          .filter(ProcessHandle::isAlive)
          .filter(h -> h.info().command().map(c -> c.contains("postgres")).orElse(false));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  private static void stopEmbeddedPostgres(Path dataDir) {
    embeddedPostgres(dataDir)
        .ifPresent(
            h -> {
              h.destroy();
              try {
                h.onExit().get(20, TimeUnit.SECONDS);
              } catch (Exception e) {
                h.destroyForcibly();
              }
            });
  }

  /** {@code <project>/target}. */
  public static Path targetDir() {
    return Path.of(System.getProperty("basedir", ".")).toAbsolutePath().resolve("target");
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      s.setReuseAddress(true);
      return s.getLocalPort();
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return name + "(pid " + process.pid() + ", port " + port + ", log " + log + ")";
  }
}
