package dev.forgeupload.testing;

import dev.forgeupload.embedded.EmbeddedS3;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * ForgeUpload scaled out the way docker/compose.yaml runs it: two server processes ({@code
 * FORGE_WORKER_CONCURRENCY=0}, {@code FORGE_TRUST_PROXY=true}) behind {@link Nginx} round-robin,
 * and a separate worker process, each with a data dir of its own. They share one PostgreSQL
 * database (from {@link TestDatabase}), one Redis ({@link TestRedis}) and one bucket on the
 * embedded S3 server ({@link TestS3}), and nothing else. {@code FORGE_STAGING} is {@link
 * Staging}'s unless {@code env} sets it; {@code env} goes to every process.
 */
public final class Cluster implements AutoCloseable {
  /** The lock lease of the nodes: a killed node's upload is free again after this. */
  public static final int LEASE_SECONDS = 2;

  private final String databaseUrl;
  private final String bucket;
  private final TestRedis redis;
  private final List<ServerProcess> nodes = new ArrayList<>();
  private ServerProcess worker;
  private Nginx nginx;

  private Cluster(String databaseUrl, String bucket, TestRedis redis) {
    this.databaseUrl = databaseUrl;
    this.bucket = bucket;
    this.redis = redis;
  }

  /** Starts the cluster with its processes' data dirs under {@code dir}. */
  public static Cluster start(String name, Path dir, Map<String, String> env) {
    Cluster c =
        new Cluster(TestDatabase.freshDatabaseUrl(), TestS3.freshBucket(), TestRedis.start());
    try {
      c.startProcesses(name, dir, env);
      return c;
    } catch (RuntimeException | Error e) {
      c.close();
      throw e;
    }
  }

  private void startProcesses(String name, Path dir, Map<String, String> extra) {
    EmbeddedS3 s3 = TestS3.get();
    Map<String, String> shared = new HashMap<>(ServerProcess.externalDb(databaseUrl));
    shared.put("FORGE_REDIS_URL", redis.url());
    shared.put("FORGE_S3_ENDPOINT", s3.endpoint());
    shared.put("FORGE_S3_ACCESS_KEY", s3.accessKey());
    shared.put("FORGE_S3_SECRET_KEY", s3.secretKey());
    shared.put("FORGE_S3_BUCKET", bucket);
    shared.put("FORGE_RECONCILE_SECONDS", "1");
    shared.put("FORGE_LOCK_WAIT_SECONDS", "1");
    shared.put("FORGE_LOCK_LEASE_SECONDS", Integer.toString(LEASE_SECONDS));
    // the test client comes from one address; limits are tested where they are set
    shared.put("FORGE_RATE_ADDRESS_PER_MINUTE", "0");
    shared.put("FORGE_RATE_OWNER_PER_MINUTE", "0");

    Map<String, String> nodeEnv = new HashMap<>(shared);
    nodeEnv.put("FORGE_TRUST_PROXY", "true");
    nodeEnv.put("FORGE_WORKER_CONCURRENCY", "0");
    nodeEnv.putAll(extra);
    Map<String, String> workerEnv = new HashMap<>(shared);
    workerEnv.put("FORGE_WORKER_CONCURRENCY", "2");
    workerEnv.putAll(extra);

    // The first node migrates the shared database; the others follow once it is ready.
    nodes.add(ServerProcess.start(name + "-node1", dir.resolve("node1"), nodeEnv));
    CompletableFuture<ServerProcess> second =
        CompletableFuture.supplyAsync(
            () -> ServerProcess.start(name + "-node2", dir.resolve("node2"), nodeEnv));
    try {
      worker = ServerProcess.startWorker(name + "-worker", dir.resolve("worker"), workerEnv);
    } finally {
      nodes.add(second.join());
    }
    nginx = Nginx.start(nodes.stream().map(ServerProcess::port).toList());
    if ("s3".equals(nodeEnv.getOrDefault("FORGE_STAGING", Staging.mode()))) {
      // a test of stateless nodes must not pass, or fail obscurely, on disk staging
      for (ServerProcess p : all()) {
        if (!p.logText().contains("StagingInS3")) {
          throw new IllegalStateException(
              p + " was started with FORGE_STAGING=s3 but did not log StagingInS3:\n"
                  + p.logTail());
        }
      }
    }
  }

  private List<ServerProcess> all() {
    List<ServerProcess> all = new ArrayList<>(nodes);
    all.add(worker);
    return all;
  }

  public Nginx nginx() {
    return nginx;
  }

  /** The node processes (index 0 and 1). */
  public List<ServerProcess> nodes() {
    return List.copyOf(nodes);
  }

  public ServerProcess node(int i) {
    return nodes.get(i);
  }

  /** The node whose port nginx logs as {@code 127.0.0.1:<port>}. */
  public ServerProcess nodeAt(String upstreamAddress) {
    return nodes.stream()
        .filter(n -> upstreamAddress.equals("127.0.0.1:" + n.port()))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no node at " + upstreamAddress));
  }

  public ServerProcess worker() {
    return worker;
  }

  public String databaseUrl() {
    return databaseUrl;
  }

  public String bucket() {
    return bucket;
  }

  /**
   * Regular files of at least {@code minBytes} under the process's data dir (what "nothing large
   * is left on a node's disk" checks), with their sizes.
   */
  public static List<String> largeFiles(ServerProcess p, long minBytes) {
    if (!Files.isDirectory(p.dataDir())) {
      return List.of();
    }
    try (Stream<Path> all = Files.walk(p.dataDir())) {
      return all.filter(Files::isRegularFile)
          .filter(f -> size(f) >= minBytes)
          .map(f -> p.dataDir().relativize(f) + " (" + size(f) + " bytes)")
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static long size(Path f) {
    try {
      return Files.size(f);
    } catch (IOException e) {
      return -1; // removed meanwhile
    }
  }

  /** The ends of every process's log and nginx's, for assertion messages. */
  public String logTails() {
    StringBuilder b = new StringBuilder();
    for (ServerProcess p : nodes) {
      b.append("\n--- ").append(p).append(":\n").append(p.logTail());
    }
    if (worker != null) {
      b.append("\n--- ").append(worker).append(":\n").append(worker.logTail());
    }
    if (nginx != null) {
      b.append("\n--- ").append(nginx.logTail());
    }
    return b.toString();
  }

  @Override
  public void close() {
    if (nginx != null) {
      nginx.close();
    }
    List<CompletableFuture<Void>> stops = new ArrayList<>();
    for (ServerProcess p : nodes) {
      stops.add(CompletableFuture.runAsync(p::close));
    }
    if (worker != null) {
      worker.close();
    }
    stops.forEach(CompletableFuture::join);
    redis.close();
  }
}
