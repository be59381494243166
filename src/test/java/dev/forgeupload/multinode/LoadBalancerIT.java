package dev.forgeupload.multinode;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.testing.Cluster;
import dev.forgeupload.testing.Nginx;
import dev.forgeupload.testing.TusHttp;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The multi-node harness itself, under either staging: nginx round-robins requests over both
 * nodes, and whichever node answers, an upload's Location names the proxy (from the X-Forwarded
 * headers docker/nginx/forgeupload-proxy.conf sets) and HEAD reports the same upload.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class LoadBalancerIT {
  @TempDir static Path tmp;
  private static Cluster cluster;

  @BeforeAll
  static void start() {
    cluster = Cluster.start("lb", tmp, Map.of());
  }

  @AfterAll
  static void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void uploads_created_on_either_node_have_a_location_on_the_proxy_and_a_head_on_both_nodes() {
    Nginx nginx = cluster.nginx();
    TusHttp tus = new TusHttp(nginx.baseUrl());
    String first = tus.create(1000);
    String second = tus.create(2000);
    for (String url : List.of(first, second)) {
      assertThat(url).as("Location of %s\n%s", url, cluster.logTails())
          .startsWith(nginx.filesUrl());
      for (int i = 0; i < 2; i++) {
        HttpResponse<byte[]> head = tus.head(url);
        assertThat(head.statusCode()).as("HEAD %s: %s", url, TusHttp.text(head)).isEqualTo(200);
        assertThat(head.headers().firstValue("Upload-Offset")).hasValue("0");
      }
    }

    List<Nginx.Request> log = nginx.requests();
    Set<String> creators =
        log.stream().filter(r -> r.method().equals("POST")).map(Nginx.Request::upstream)
            .collect(Collectors.toSet());
    Set<String> headers =
        log.stream().filter(r -> r.method().equals("HEAD")).map(Nginx.Request::upstream)
            .collect(Collectors.toSet());
    String both = "127.0.0.1:" + cluster.node(0).port() + ", 127.0.0.1:" + cluster.node(1).port();
    assertThat(creators).as("POSTs went round-robin to %s\n%s", both, nginx.logTail()).hasSize(2);
    assertThat(headers).as("HEADs went round-robin to %s\n%s", both, nginx.logTail()).hasSize(2);
    for (String upstream : creators) {
      cluster.nodeAt(upstream); // a node of ours, not some other address
    }
    assertThat(log).as("no 5xx through the proxy\n%s", nginx.logTail())
        .allSatisfy(r -> assertThat(r.status()).isLessThan(500));
  }
}
