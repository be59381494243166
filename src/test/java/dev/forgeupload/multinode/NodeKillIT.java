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
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node killed -9 in the middle of a PATCH (issue 12, {@code FORGE_STAGING=s3}): the parts it
 * had committed count, the client resumes through nginx from HEAD on the other node, and the
 * worker stores the upload with the SHA-256 of the source, although its bytes came through two
 * nodes and its digest state lived in PostgreSQL between them.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class NodeKillIT {
  private static final int SIZE = 40 * MIB + 4321;
  /** The part size S3 staging picks for an upload of this size (the 5 MiB minimum). */
  private static final int PART = 5 * MIB;

  @TempDir static Path tmp;
  private static Cluster cluster;

  @BeforeAll
  static void start() {
    cluster = Cluster.start("node-kill", tmp, Map.of("FORGE_STAGING", "s3"));
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void a_node_killed_mid_patch_loses_at_most_a_part_and_the_other_node_finishes_the_upload()
      throws Exception {
    Nginx nginx = cluster.nginx();
    byte[] data = TestData.randomBytes(SIZE, 1301);
    TusHttp tus = new TusHttp(nginx.baseUrl());
    String url = tus.create(SIZE);
    String id = TusHttp.id(url);

    ServerProcess victim;
    long sentAtKill;
    // the whole upload in one PATCH at 4 MiB/s (about 10 s), through the proxy
    try (RawHttp.Streaming patch =
        new RawHttp(nginx.baseUrl()).patch(url, 0).header("Content-Length", SIZE)
            .stream(data, 0, SIZE, 4L * MIB)) {
      // the node that takes the PATCH is the one whose received-bytes counter moves
      victim =
          Poll.until(
              "one node to have received three parts' worth of the PATCH",
              Duration.ofSeconds(30),
              () -> cluster.nodes().stream()
                  .filter(n -> Nodes.receivedBytes(n) >= 3L * PART)
                  .findFirst().orElse(null),
              n -> n != null);
      long committed = tus.offset(url);
      victim.kill9();
      sentAtKill = patch.sent();
      assertThat(patch.awaitEnd(30_000)).as("the client saw the PATCH end: %s", patch).isTrue();
      assertThat(patch.response() == null || patch.response().status() != 204)
          .as("the killed PATCH did not succeed: %s", patch).isTrue();
      assertThat(committed).as("parts committed while the PATCH was running (offset in"
          + " PostgreSQL advances per part)\n%s", cluster.logTails()).isPositive();
    }
    ServerProcess survivor = cluster.nodes().stream().filter(n -> n != victim).findFirst()
        .orElseThrow();

    // HEAD through nginx: the dead node refuses connections, so the survivor answers
    long offset = tus.offset(url);
    String context = "\nsent before the kill: " + sentAtKill + ", offset after: " + offset
        + "\n" + cluster.logTails();
    assertThat(offset).as("offset covers only bytes the client sent" + context)
        .isLessThanOrEqualTo(sentAtKill);
    assertThat(offset).as("at most the part in flight (and bytes in the sockets) is lost"
        + context).isGreaterThanOrEqualTo(3L * PART - PART);

    // resume through the proxy: 423 until the dead node's lease runs out, then 204
    HttpResponse<byte[]> rest =
        Poll.until(
            "the resumed PATCH to get past the dead node's lock",
            Duration.ofSeconds(Cluster.LEASE_SECONDS + 15),
            () -> tus.patch(url, offset, data, (int) offset, SIZE - (int) offset),
            r -> r.statusCode() != 423);
    assertThat(rest.statusCode()).as("resumed PATCH: %s%s", TusHttp.text(rest), context)
        .isEqualTo(204);
    assertThat(rest.headers().firstValue("Upload-Offset")).hasValue(Integer.toString(SIZE));

    JsonNode stored;
    try {
      stored = tus.awaitStored(id, Duration.ofSeconds(90));
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + context, e);
    }
    String sha = TestData.sha256(data);
    assertThat(stored.path("length").asLong()).isEqualTo(SIZE);
    assertThat(stored.path("sha256").asText()).as("digest across the kill" + context)
        .isEqualTo(sha);
    assertThat(Nodes.objectSha256(cluster.bucket(), stored.path("storage_key").asText()))
        .as("the object in S3 has no gap and no duplicate bytes").isEqualTo(sha);
    assertThat(tus.download("/api/v1/uploads/" + id + "/content").sha256()).isEqualTo(sha);
    for (ServerProcess n : cluster.nodes()) {
      assertThat(Cluster.largeFiles(n, MIB)).as("large files in %s's data dir", n).isEmpty();
    }
    assertThat(survivor.isAlive()).isTrue();
    System.out.printf("NodeKillIT: killed %s after %d bytes sent; resumed at %d on %s%n",
        victim, sentAtKill, offset, survivor);
  }
}
