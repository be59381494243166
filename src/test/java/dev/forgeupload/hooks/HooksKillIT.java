package dev.forgeupload.hooks;

import static dev.forgeupload.testing.TestData.meta;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.embedded.EmbeddedS3;
import dev.forgeupload.testing.HookReceiver;
import dev.forgeupload.testing.HookReceiver.Answer;
import dev.forgeupload.testing.HookReceiver.Received;
import dev.forgeupload.testing.Poll;
import dev.forgeupload.testing.ServerProcess;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TestDatabase;
import dev.forgeupload.testing.TestRedis;
import dev.forgeupload.testing.TestS3;
import dev.forgeupload.testing.TusHttp;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * A server process killed with SIGKILL while its notifications cannot be delivered (the
 * receiver answers 503): after a restart on the same database every one of them is delivered,
 * in order per upload, with the webhook-id its attempts before the kill carried.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class HooksKillIT {
  private static final List<String> EXPECTED = List.of("post-create", "post-finish", "post-store");

  @Test
  void notifications_pending_when_the_server_is_killed_are_delivered_after_a_restart()
      throws Exception {
    String secret = HookReceiver.newSecret();
    String db = TestDatabase.freshDatabaseUrl();
    EmbeddedS3 s3 = TestS3.get();
    Path data = Files.createTempDirectory("forge-hooks-kill");
    try (HookReceiver receiver = HookReceiver.start(secret);
        TestRedis redis = TestRedis.start()) {
      receiver.script(r -> Answer.status(503));
      Map<String, String> env = new LinkedHashMap<>(ServerProcess.externalDb(db));
      env.put("FORGE_REDIS_URL", redis.url());
      env.put("FORGE_S3_ENDPOINT", s3.endpoint());
      env.put("FORGE_S3_ACCESS_KEY", s3.accessKey());
      env.put("FORGE_S3_SECRET_KEY", s3.secretKey());
      env.put("FORGE_S3_BUCKET", TestS3.freshBucket());
      env.put("FORGE_RATE_ADDRESS_PER_MINUTE", "0");
      env.put("FORGE_RATE_OWNER_PER_MINUTE", "0");
      env.putAll(HooksIT.hooksEnv(receiver.url(), secret, String.join(",", EXPECTED)));

      List<String> ids = new ArrayList<>();
      ServerProcess first = ServerProcess.start("hooks-kill", data, env);
      ServerProcess second = null;
      try {
        TusHttp tus = new TusHttp(first.baseUrl());
        for (int i = 0; i < 5; i++) {
          byte[] bytes = TestData.randomBytes(64 * 1024 + i, i);
          ids.add(TusHttp.id(tus.upload(bytes, meta("kill-" + i + ".bin", null))));
        }
        for (String id : ids) {
          tus.awaitStored(id, Duration.ofSeconds(60));
        }
        Poll.until("a refused attempt for each upload", Duration.ofSeconds(30),
            () -> ids.stream().filter(id -> receiver.of(id).isEmpty()).toList(), List::isEmpty);
        Set<String> refusedBeforeKill = new HashSet<>();
        receiver.received().forEach(r -> refusedBeforeKill.add(r.webhookId()));

        first.kill9();
        receiver.script(r -> Answer.ok());
        long restartAt = System.nanoTime();
        second = first.restart();
        TusHttp again = new TusHttp(second.baseUrl());
        Poll.until("every notification delivered after the restart", Duration.ofSeconds(120),
            Duration.ofSeconds(1),
            () -> again.getJson("/api/v1/hooks/deliveries?state=pending").path("items").size(),
            n -> n == 0);
        System.out.printf("HooksKillIT: %d events delivered %.1f s after the restart began%n",
            ids.size() * EXPECTED.size(), (System.nanoTime() - restartAt) / 1e9);

        for (String id : ids) {
          List<Received> all = receiver.of(id);
          List<String> order = new ArrayList<>();
          Map<String, String> typeOf = new LinkedHashMap<>();
          for (Received r : all) {
            assertThat(r.signatureValid()).isTrue();
            if (!order.contains(r.webhookId())) {
              order.add(r.webhookId());
            }
            typeOf.put(r.webhookId(), r.type());
          }
          assertThat(order.stream().map(typeOf::get).toList())
              .as("upload %s", id).isEqualTo(EXPECTED);
          assertThat(refusedBeforeKill).as("its first event was tried before the kill")
              .contains(order.get(0));
          JsonNode rows = again.getJson("/api/v1/hooks/deliveries?upload_id=" + id);
          assertThat(rows.path("items")).hasSize(EXPECTED.size());
          for (JsonNode d : rows.path("items")) {
            assertThat(d.path("state").asText()).isEqualTo("delivered");
            assertThat(order).contains(d.path("id").asText());
          }
        }
      } finally {
        first.close();
        if (second != null) {
          second.close();
        }
      }
    }
  }
}
