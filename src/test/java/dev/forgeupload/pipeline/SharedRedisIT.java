package dev.forgeupload.pipeline;

import static dev.forgeupload.testing.TestData.meta;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.ForgeServer;
import dev.forgeupload.config.Config;
import dev.forgeupload.queue.RedisNames;
import dev.forgeupload.testing.Poll;
import dev.forgeupload.testing.Staging;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TestRedis;
import dev.forgeupload.testing.TestS3;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import io.minio.MinioClient;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.resps.StreamEntry;
import redis.clients.jedis.resps.StreamGroupInfo;

/**
 * Two deployments on one Redis (a redis-server of the test's own), each with its own PostgreSQL
 * database, bucket and data directory, an HTTP server without workers and a {@code worker}-mode
 * process on the same database: the workers find the server's namespace only if they derive
 * the same prefix from the database. The reconciler runs once a minute, so an upload whose job
 * was taken by the wrong deployment would sit queued far past the deadlines here.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class SharedRedisIT {
  private static final int PER_DEPLOYMENT = 6;
  /** Well under the reconciler's interval (60 s here) and the claim idle time (30 s). */
  private static final Duration PROMPTLY = Duration.ofSeconds(15);
  private static final Pattern EVENT_ID = Pattern.compile("\"id\":\"([0-9a-f-]{36})\"");

  @Test
  void two_deployments_store_their_own_uploads_promptly_and_share_no_names_or_events()
      throws Exception {
    try (TestRedis redis = TestRedis.start();
        Deployment a = Deployment.start(redis, null);
        Deployment b = Deployment.start(redis, null);
        RedisClient jedis = RedisClient.create(URI.create(redis.url()))) {
      RedisNames na = a.server.redisNames();
      RedisNames nb = b.server.redisNames();
      assertThat(na.prefix()).matches("forge-[0-9a-f]{16}")
          .isEqualTo("forge-" + deploymentId(a.server.databaseUrl()));
      assertThat(nb.prefix()).matches("forge-[0-9a-f]{16}")
          .isEqualTo("forge-" + deploymentId(b.server.databaseUrl()));
      assertThat(na.prefix()).isNotEqualTo(nb.prefix());
      // worker mode joined its server's namespace through the database alone
      assertThat(a.workers.redisNames()).isEqualTo(na);
      assertThat(b.workers.redisNames()).isEqualTo(nb);

      try (TusHttp.EventStream eventsA = a.tus.events("/api/v1/events");
          TusHttp.EventStream eventsB = b.tus.events("/api/v1/events")) {
        assertThat(eventsA.response().statusCode()).isEqualTo(200);
        assertThat(eventsB.response().statusCode()).isEqualTo(200);

        // everything at once: six uploads to each deployment in parallel
        ExecutorService pool = Executors.newFixedThreadPool(2 * PER_DEPLOYMENT);
        Map<Future<String>, byte[]> futuresA = new LinkedHashMap<>();
        Map<Future<String>, byte[]> futuresB = new LinkedHashMap<>();
        try {
          for (int i = 0; i < PER_DEPLOYMENT; i++) {
            byte[] da = TestData.randomBytes(150_000 + i * 97_003, 7100 + i);
            byte[] db = TestData.randomBytes(140_000 + i * 89_009, 7200 + i);
            String name = "shared-" + i + ".bin";
            futuresA.put(pool.submit(() -> TusHttp.id(a.tus.upload(da, meta(name, null)))), da);
            futuresB.put(pool.submit(() -> TusHttp.id(b.tus.upload(db, meta(name, null)))), db);
          }
          Map<String, byte[]> sentA = collect(futuresA);
          Map<String, byte[]> sentB = collect(futuresB);
          long finished = System.nanoTime();
          Map<String, JsonNode> storedA = awaitAllStored(a, sentA.keySet());
          Map<String, JsonNode> storedB = awaitAllStored(b, sentB.keySet());
          System.out.printf(
              "SharedRedisIT: %d+%d uploads stored %.2f s after the last upload finished%n",
              sentA.size(), sentB.size(), (System.nanoTime() - finished) / 1e9);
          assertStoredAsSent(a, sentA, storedA);
          assertStoredAsSent(b, sentB, storedB);

          // each event stream shows its own uploads being stored, and none of the other's
          awaitStoredEvents(eventsA, sentA.keySet());
          awaitStoredEvents(eventsB, sentB.keySet());
          assertThat(eventIds(eventsA)).doesNotContainAnyElementsOf(sentB.keySet());
          assertThat(eventIds(eventsB)).doesNotContainAnyElementsOf(sentA.keySet());
          assertThat(eventIds(eventsA)).containsAll(sentA.keySet());
          assertThat(eventIds(eventsB)).containsAll(sentB.keySet());
        } finally {
          pool.shutdownNow();
        }

        // every key, group and channel is under one of the two prefixes
        List<String> keys = new ArrayList<>(jedis.keys("*"));
        assertThat(keys).isNotEmpty()
            .allMatch(k -> k.startsWith(na.prefix() + ":") || k.startsWith(nb.prefix() + ":"));
        assertThat(keys).contains(na.jobs(), nb.jobs());
        assertThat(keys).anyMatch(k -> k.startsWith(na.prefix() + ":rate:"))
            .anyMatch(k -> k.startsWith(nb.prefix() + ":rate:"));
        assertThat(groups(jedis, na.jobs())).containsExactly(na.workers());
        assertThat(groups(jedis, nb.jobs())).containsExactly(nb.workers());
        assertThat(na.workers()).startsWith(na.prefix() + ":");
        assertThat(nb.workers()).startsWith(nb.prefix() + ":");
        assertThat(channels(jedis)).containsExactlyInAnyOrder(na.events(), nb.events());
        // the jobs were done and acknowledged by their own workers
        Poll.until("A's jobs acknowledged", PROMPTLY, () -> jedis.xlen(na.jobs()), n -> n == 0);
        Poll.until("B's jobs acknowledged", PROMPTLY, () -> jedis.xlen(nb.jobs()), n -> n == 0);
      }
    }
  }

  @Test
  void a_job_whose_upload_is_not_in_this_database_is_left_intact_for_its_owner()
      throws Exception {
    try (TestRedis redis = TestRedis.start();
        RedisClient jedis = RedisClient.create(URI.create(redis.url()))) {
      // both configured with the same prefix: one stream, one channel, two databases
      try (Deployment owner = Deployment.start(redis, "shared", 0);
          Deployment other = Deployment.start(redis, "shared", 2);
          TusHttp.EventStream otherEvents = other.tus.events("/api/v1/events")) {
        RedisNames no = owner.server.redisNames();
        RedisNames nx = other.server.redisNames();
        assertThat(no.jobs()).isEqualTo(nx.jobs()).isEqualTo("shared:jobs");
        assertThat(no.workers()).isNotEqualTo(nx.workers());

        Map<String, byte[]> sent = new LinkedHashMap<>();
        for (int i = 0; i < 4; i++) {
          byte[] data = TestData.randomBytes(120_000 + i * 50_021, 7300 + i);
          sent.put(TusHttp.id(owner.tus.upload(data, meta("theirs-" + i + ".bin", null))), data);
        }
        byte[] own = TestData.randomBytes(90_000, 7399);
        String ownId = TusHttp.id(other.tus.upload(own, meta("mine.bin", null)));
        // the other deployment's workers store their own upload under the shared prefix ...
        other.tus.awaitStored(ownId, PROMPTLY);
        // ... and have been handed every job of the stream, the owner's four included
        StreamEntryID last = jedis.xrange(no.jobs(), "-", "+").stream().map(StreamEntry::getID)
            .max(StreamEntryID::compareTo).orElseThrow();
        Poll.until("the other deployment's group read the whole stream", PROMPTLY,
            () -> group(jedis, nx.jobs(), nx.workers()),
            g -> g != null && g.getLastDeliveredId().compareTo(last) >= 0
                && g.getPending() == 0);

        // left intact: queued in the owner's database, entries and markers still in Redis
        for (String id : sent.keySet()) {
          assertThat(Backends.dbState(owner.server.databaseUrl(), id)).as(id).isEqualTo("queued");
          assertThat(Backends.timeline(owner.server.databaseUrl(), id))
              .doesNotContain("storing", "failed");
          assertThat(jedis.exists(no.pending(UUID.fromString(id)))).as("marker of " + id)
              .isTrue();
          assertThat(Backends.dbState(other.server.databaseUrl(), id)).isNull();
        }
        List<String> inStream = jedis.xrange(no.jobs(), "-", "+").stream()
            .map(e -> e.getFields().get("upload")).toList();
        assertThat(inStream).containsExactlyInAnyOrderElementsOf(sent.keySet());

        // and not spinning: the other deployment's workers, idle now, barely talk to Redis
        long before = commandsProcessed(jedis);
        Poll.sleep(3000);
        long spent = commandsProcessed(jedis) - before - 1;
        System.out.printf("SharedRedisIT: %d Redis commands in 3 s beside four foreign jobs%n",
            spent);
        assertThat(spent).isLessThan(100);
        assertThat(group(jedis, nx.jobs(), nx.workers()).getPending()).isZero();

        // the owner's workers start and store all four at once (not after a claim timeout)
        long started = System.nanoTime();
        try (ForgeServer ownerWorkers = owner.startWorkers(2)) {
          Map<String, JsonNode> stored = awaitAllStored(owner, sent.keySet());
          System.out.printf("SharedRedisIT: the owner's workers stored its four uploads %.2f s "
              + "after they were started%n", (System.nanoTime() - started) / 1e9);
          assertStoredAsSent(owner, sent, stored);
          MinioClient minio = Backends.minio(TestS3.get());
          for (String id : sent.keySet()) {
            assertThat(Backends.keysOf(minio, other.server.bucket(), id)).isEmpty();
          }
          Poll.until("the owner acknowledged its jobs", PROMPTLY,
              () -> jedis.xlen(no.jobs()), n -> n == 0);
          for (String id : sent.keySet()) {
            assertThat(jedis.exists(no.pending(UUID.fromString(id)))).isFalse();
          }
        }

        // an admin of the other deployment saw its own upload's events, none of the owner's
        awaitStoredEvents(otherEvents, List.of(ownId));
        assertThat(eventIds(otherEvents)).doesNotContainAnyElementsOf(sent.keySet());
      }
    }
  }

  // ---- the deployments

  /** A database, bucket and data directory; an HTTP server and (optionally) worker processes. */
  private static final class Deployment implements AutoCloseable {
    final TestServer server;
    final TusHttp tus;
    final ForgeServer workers;
    private final TestRedis redis;
    private final String prefix;

    private Deployment(TestRedis redis, String prefix, int workerThreads) throws Exception {
      this.redis = redis;
      this.prefix = prefix;
      Map<String, String> env = new HashMap<>(common(redis, prefix));
      env.put("FORGE_WORKER_CONCURRENCY", "0"); // the HTTP server stores nothing itself
      server = TestServer.start(env);
      tus = new TusHttp(server.baseUrl());
      ForgeServer w = null;
      try {
        w = workerThreads > 0 ? startWorkers(workerThreads) : null;
      } catch (Exception e) {
        server.close();
        throw e;
      }
      workers = w;
    }

    static Deployment start(TestRedis redis, String prefix) throws Exception {
      return new Deployment(redis, prefix, 2);
    }

    static Deployment start(TestRedis redis, String prefix, int workerThreads) throws Exception {
      return new Deployment(redis, prefix, workerThreads);
    }

    /** {@code scripts/run worker} on this deployment's database, Redis, bucket and staging. */
    ForgeServer startWorkers(int threads) throws Exception {
      Map<String, String> env = new HashMap<>(common(redis, prefix));
      env.put("FORGE_DATABASE_URL", server.databaseUrl());
      env.put("FORGE_DATABASE_USER", "postgres");
      env.put("FORGE_S3_ENDPOINT", TestS3.get().endpoint());
      env.put("FORGE_S3_ACCESS_KEY", TestS3.get().accessKey());
      env.put("FORGE_S3_SECRET_KEY", TestS3.get().secretKey());
      env.put("FORGE_S3_BUCKET", server.bucket());
      env.put("FORGE_DATA_DIR", server.dataDir().toString());
      env.put("FORGE_WORKER_CONCURRENCY", Integer.toString(threads));
      env.put("FORGE_STAGING", Staging.mode());
      return ForgeServer.start(Config.fromEnv(env), false);
    }

    private static Map<String, String> common(TestRedis redis, String prefix) {
      Map<String, String> env = new HashMap<>();
      env.put("FORGE_REDIS_URL", redis.url());
      env.put("FORGE_RECONCILE_SECONDS", "60");
      env.put("FORGE_WORKER_CLAIM_IDLE_SECONDS", "30");
      // on, but far above what the test sends: its buckets show up as keys
      env.put("FORGE_RATE_ADDRESS_PER_MINUTE", "100000");
      if (prefix != null) {
        env.put("FORGE_REDIS_PREFIX", prefix);
      }
      return env;
    }

    @Override
    public void close() {
      if (workers != null) {
        workers.close();
      }
      server.close();
    }
  }

  // ---- helpers

  private static Map<String, byte[]> collect(Map<Future<String>, byte[]> futures)
      throws Exception {
    Map<String, byte[]> sent = new LinkedHashMap<>();
    for (Map.Entry<Future<String>, byte[]> e : futures.entrySet()) {
      sent.put(e.getKey().get(), e.getValue());
    }
    return sent;
  }

  /** Waits until every upload is stored (each as the API shows it then). */
  private static Map<String, JsonNode> awaitAllStored(Deployment d, Collection<String> ids) {
    Map<String, JsonNode> stored = new LinkedHashMap<>();
    for (String id : ids) {
      stored.put(id, d.tus.awaitStored(id, PROMPTLY));
    }
    return stored;
  }

  /** Each stored upload has the digest of what was sent, and its object holds those bytes. */
  private static void assertStoredAsSent(
      Deployment d, Map<String, byte[]> sent, Map<String, JsonNode> stored) {
    MinioClient minio = Backends.minio(TestS3.get());
    for (Map.Entry<String, byte[]> e : sent.entrySet()) {
      JsonNode u = stored.get(e.getKey());
      assertThat(u.path("sha256").asText()).isEqualTo(TestData.sha256(e.getValue()));
      assertThat(Backends.object(minio, d.server.bucket(), u.path("storage_key").asText()))
          .isEqualTo(e.getValue());
    }
  }

  private static void awaitStoredEvents(TusHttp.EventStream stream, Collection<String> ids) {
    Poll.until("a stored event for each of " + ids, Duration.ofSeconds(10),
        () -> stream.lines().stream()
            .filter(l -> l.startsWith("data:") && l.contains("\"state\":\"stored\""))
            .map(SharedRedisIT::idOf).toList(),
        l -> l.containsAll(ids));
  }

  private static List<String> eventIds(TusHttp.EventStream stream) {
    return stream.lines().stream().filter(l -> l.startsWith("data:")).map(SharedRedisIT::idOf)
        .filter(id -> id != null).distinct().toList();
  }

  private static String idOf(String line) {
    Matcher m = EVENT_ID.matcher(line);
    return m.find() ? m.group(1) : null;
  }

  private static List<String> groups(RedisClient jedis, String stream) {
    return jedis.xinfoGroups(stream).stream().map(StreamGroupInfo::getName).toList();
  }

  private static StreamGroupInfo group(RedisClient jedis, String stream, String name) {
    if (!jedis.exists(stream)) {
      return null;
    }
    return jedis.xinfoGroups(stream).stream().filter(g -> g.getName().equals(name)).findFirst()
        .orElse(null);
  }

  @SuppressWarnings("unchecked")
  private static List<String> channels(RedisClient jedis) {
    List<byte[]> raw = (List<byte[]>) jedis.sendCommand(Protocol.Command.PUBSUB, "CHANNELS");
    return raw.stream().map(b -> new String(b, StandardCharsets.UTF_8)).toList();
  }

  private static long commandsProcessed(RedisClient jedis) {
    for (String line : jedis.info("stats").split("\r?\n")) {
      if (line.startsWith("total_commands_processed:")) {
        return Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    throw new AssertionError("no total_commands_processed in INFO stats");
  }

  private static String deploymentId(String jdbcUrl) throws SQLException {
    try (Connection c = DriverManager.getConnection(jdbcUrl, "postgres", "");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT id FROM deployment")) {
      assertThat(rs.next()).as("a deployment row").isTrue();
      String id = rs.getString(1);
      assertThat(rs.next()).as("one deployment row").isFalse();
      return id;
    }
  }
}
