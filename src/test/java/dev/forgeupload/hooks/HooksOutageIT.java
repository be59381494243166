package dev.forgeupload.hooks;

import static dev.forgeupload.testing.TestData.meta;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.testing.HookReceiver;
import dev.forgeupload.testing.HookReceiver.Answer;
import dev.forgeupload.testing.HookReceiver.Received;
import dev.forgeupload.testing.Poll;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * A receiver that fails (500), then is down (connections refused) for a minute ({@code
 * -Dforge.hooks.downSeconds=N} shortens it), then answers again: every notification is delivered
 * afterwards, each upload's in order, each with the webhook-id its failed attempts carried.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class HooksOutageIT {
  private static final int MIB = 1 << 20;
  private static final List<String> EXPECTED =
      List.of("post-create", "post-receive", "post-finish", "post-store");

  @Test
  void every_notification_is_delivered_in_order_once_the_receiver_is_back() throws Exception {
    long downSeconds = Long.getLong("forge.hooks.downSeconds", 60);
    String secret = HookReceiver.newSecret();
    Set<String> failedIds = ConcurrentHashMap.newKeySet();
    try (HookReceiver receiver = HookReceiver.start(secret);
        TestServer server = TestServer.start(HooksIT.hooksEnv(receiver.url(), secret,
            String.join(",", EXPECTED)))) {
      TusHttp tus = new TusHttp(server.baseUrl());
      receiver.script(r -> {
        failedIds.add(r.webhookId());
        return Answer.status(500);
      });
      List<String> ids = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        ids.add(upload(tus, "before-" + i, i));
      }
      Poll.until("a failed attempt for each upload", Duration.ofSeconds(30),
          () -> ids.stream().filter(id -> receiver.of(id).isEmpty()).toList(), List::isEmpty);

      receiver.down();
      long downAt = System.nanoTime();
      for (int i = 0; i < 5; i++) {
        ids.add(upload(tus, "during-" + i, 10 + i));
      }
      for (String id : ids) {
        tus.awaitStored(id, Duration.ofSeconds(60));
      }
      long left = downSeconds * 1_000_000_000L - (System.nanoTime() - downAt);
      if (left > 0) {
        Thread.sleep(left / 1_000_000);
      }
      JsonNode pending = tus.getJson("/api/v1/hooks/deliveries?state=pending&limit=500");
      assertThat(pending.path("items").size())
          .as("every event of every upload waits").isEqualTo(ids.size() * EXPECTED.size());

      receiver.script(r -> Answer.ok());
      receiver.up();
      long upAt = System.nanoTime();
      Poll.until("every notification delivered", Duration.ofSeconds(90), Duration.ofSeconds(1),
          () -> tus.getJson("/api/v1/hooks/deliveries?state=pending").path("items").size(),
          n -> n == 0);
      System.out.printf("HooksOutageIT: down %d s; all %d events delivered %.1f s after it "
          + "was back%n", downSeconds, ids.size() * EXPECTED.size(),
          (System.nanoTime() - upAt) / 1e9);

      JsonNode failed = tus.getJson("/api/v1/hooks/deliveries?state=failed");
      assertThat(failed.path("items")).as("nothing given up").isEmpty();
      for (String id : ids) {
        List<Received> all = receiver.of(id);
        Map<String, Received> delivered = new LinkedHashMap<>();
        for (Received r : all) {
          assertThat(r.signatureValid()).isTrue();
          delivered.put(r.webhookId(), r); // the last attempt of each id is the one answered 2xx
        }
        List<String> order = new ArrayList<>();
        for (Received r : all) {
          if (!order.contains(r.webhookId())) {
            order.add(r.webhookId());
          }
        }
        assertThat(order.stream().map(w -> delivered.get(w).type()).toList())
            .as("upload %s: one id per event, in order", id).isEqualTo(EXPECTED);
        for (Received r : all) {
          assertThat(r.raw()).as("every attempt of an event carries the same body")
              .isEqualTo(delivered.get(r.webhookId()).raw());
        }
        JsonNode rows = tus.getJson("/api/v1/hooks/deliveries?upload_id=" + id);
        for (JsonNode d : rows.path("items")) {
          assertThat(d.path("state").asText()).isEqualTo("delivered");
          assertThat(delivered).containsKey(d.path("id").asText());
        }
      }
      // the first uploads' first events were refused with 500 and retried under the same id
      for (String id : ids.subList(0, 3)) {
        Received head = receiver.of(id).get(0);
        assertThat(failedIds).contains(head.webhookId());
        assertThat(receiver.received(r -> r.webhookId().equals(head.webhookId())).size())
            .as("attempts of %s", head.type()).isGreaterThan(1);
      }
    }
  }

  /** A 2 MiB upload in two PATCHes: post-create, one post-receive, post-finish (then stored). */
  private static String upload(TusHttp tus, String name, long seed) {
    byte[] data = TestData.randomBytes(2 * MIB, seed);
    String url = tus.create(data.length, meta(name + ".bin", null));
    TusHttp.assertStatus("patch 1", tus.patch(url, 0, data, 0, MIB), 204);
    TusHttp.assertStatus("patch 2", tus.patch(url, MIB, data, MIB, MIB), 204);
    return TusHttp.id(url);
  }
}
