package dev.forgeupload.multinode;

import static dev.forgeupload.multinode.Nodes.MIB;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.testing.Cluster;
import dev.forgeupload.testing.Nginx;
import dev.forgeupload.testing.Poll;
import dev.forgeupload.testing.RawHttp;
import dev.forgeupload.testing.ServerProcess;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TusHttp;
import dev.forgeupload.testing.TusJs;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Stateless nodes ({@code FORGE_STAGING=s3}, issue 12): two nodes behind nginx round-robin and a
 * worker that shares no disk with them. tus-js-client's PATCHes of one upload land on the nodes
 * in turn and the worker stores the right bytes; two clients on one upload on two nodes get one
 * 204 and one 409/423, never a 5xx; no node keeps the bytes on its disk.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class AlternatingNodesIT {
  private static final Duration STORE_TIMEOUT = Duration.ofSeconds(90);
  @TempDir static Path tmp;
  private static Cluster cluster;

  @BeforeAll
  static void start() {
    cluster = Cluster.start("alternating", tmp, Map.of("FORGE_STAGING", "s3"));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void tus_js_client_patches_alternate_nodes_and_the_worker_stores_the_right_sha256()
      throws Exception {
    Nginx nginx = cluster.nginx();
    // three 5 MiB parts and a tail; chunks of an odd size end inside parts and inside the tail
    int size = 15 * MIB + 123_457;
    int chunk = 2 * MIB + 77;
    byte[] data = TestData.randomBytes(size, 1201);
    Path file = Files.write(tmp.resolve("alternating.bin"), data);
    int before = nginx.requests().size();

    String url = TusJs.upload(file, nginx.filesUrl(), null, 1, chunk);
    assertThat(url).as("Location names the proxy").startsWith(nginx.filesUrl());
    String id = TusHttp.id(url);

    List<Nginx.Request> mine =
        nginx.requests().subList(before, nginx.requests().size()).stream()
            .filter(r -> r.uri().contains(id) || r.method().equals("POST"))
            .toList();
    List<Nginx.Request> patches = mine.stream().filter(r -> r.method().equals("PATCH")).toList();
    String log = "\n" + nginx.logTail();
    assertThat(patches).as("one PATCH per chunk" + log).hasSize((size + chunk - 1) / chunk);
    assertThat(patches).as("every PATCH took its bytes" + log)
        .allSatisfy(p -> assertThat(p.status()).isEqualTo(204));
    for (int i = 1; i < patches.size(); i++) {
      assertThat(patches.get(i).upstream())
          .as("PATCH %d went to the other node than PATCH %d%s", i + 1, i, log)
          .isNotEqualTo(patches.get(i - 1).upstream());
    }
    assertThat(Set.copyOf(patches.stream().map(Nginx.Request::upstream).toList()))
        .as("both nodes took PATCHes" + log).hasSize(2);

    TusHttp tus = new TusHttp(nginx.baseUrl());
    JsonNode stored = awaitStored(tus, id);
    assertThat(stored.path("length").asLong()).isEqualTo(size);
    assertThat(stored.path("offset").asLong()).isEqualTo(size);
    assertThat(stored.path("sha256").asText())
        .as("SHA-256 computed across PATCHes on two nodes").isEqualTo(TestData.sha256(data));
    assertThat(Nodes.objectSha256(cluster.bucket(), stored.path("storage_key").asText()))
        .as("the object in S3").isEqualTo(TestData.sha256(data));
    TusHttp.Download d = tus.download("/api/v1/uploads/" + id + "/content");
    assertThat(d.status()).isEqualTo(200);
    assertThat(d.sha256()).as("download through the proxy").isEqualTo(TestData.sha256(data));
    assertThat(cluster.worker().logText())
        .as("the worker (the only process with workers) handled it\n%s", cluster.logTails())
        .contains(id);

    assertNothingLargeOnAnyDisk();
    assertThat(nginx.requests()).as("no 5xx through the proxy" + log)
        .allSatisfy(r -> assertThat(r.status()).isLessThan(500));
  }

  @Test
  void two_clients_on_one_upload_on_two_nodes_get_one_204_and_one_409_or_423_never_a_5xx()
      throws Exception {
    int size = 6 * MIB;
    byte[] data = TestData.randomBytes(size, 1202);
    ServerProcess a = cluster.node(0);
    ServerProcess b = cluster.node(1);
    TusHttp onA = new TusHttp(a.baseUrl());
    TusHttp onB = new TusHttp(b.baseUrl());
    String urlA = onA.create(size);
    String urlB = b.filesUrl() + TusHttp.id(urlA);

    List<Integer> seenByB = new ArrayList<>();
    // client 1 streams the whole upload to A (about 3 s); client 2 sends its PATCH to B meanwhile
    try (RawHttp.Streaming first =
        new RawHttp(urlA).patch(urlA, 0).header("Content-Length", size)
            .stream(data, 0, size, 2L * MIB)) {
      Poll.until("client 1's PATCH to be under way on A", Duration.ofSeconds(10),
          first::sent, s -> s >= MIB);
      HttpResponse<byte[]> second = onB.patch(urlB, 0, data, 0, MIB);
      seenByB.add(second.statusCode());
      assertThat(second.statusCode())
          .as("client 2 on B while client 1 writes on A: %s\n%s", TusHttp.text(second),
              cluster.logTails())
          .isIn(409, 423);
      assertThat(first.awaitEnd(60_000)).as("client 1 finished: %s", first).isTrue();
      assertThat(first.response().status())
          .as("client 1 on A: %s\n%s", first, cluster.logTails()).isEqualTo(204);
      assertThat(first.response().header("Upload-Offset")).isEqualTo(Integer.toString(size));
    }
    // client 2 tries again from its stale offset, now that the lock is free: 409, not a 5xx
    HttpResponse<byte[]> again = onB.patch(urlB, 0, data, 0, MIB);
    seenByB.add(again.statusCode());
    assertThat(again.statusCode()).as("stale offset on B: %s", TusHttp.text(again))
        .isEqualTo(409);
    assertThat(seenByB).allSatisfy(s -> assertThat(s).isLessThan(500));

    JsonNode stored = awaitStored(onB, TusHttp.id(urlA));
    assertThat(stored.path("sha256").asText()).isEqualTo(TestData.sha256(data));
    assertNothingLargeOnAnyDisk();
  }

  private static JsonNode awaitStored(TusHttp tus, String id) {
    try {
      return tus.awaitStored(id, STORE_TIMEOUT);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "\n" + cluster.logTails(), e);
    }
  }

  /** No node (and not the worker) holds a file of 1 MiB or more: the bytes went to S3. */
  private static void assertNothingLargeOnAnyDisk() {
    List<ServerProcess> all = new ArrayList<>(cluster.nodes());
    all.add(cluster.worker());
    for (ServerProcess p : all) {
      assertThat(Cluster.largeFiles(p, MIB)).as("large files in %s's data dir", p).isEmpty();
    }
  }
}
