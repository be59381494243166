package dev.forgeupload.hooks;

import static dev.forgeupload.testing.TestData.meta;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.testing.HookReceiver;
import dev.forgeupload.testing.HookReceiver.Answer;
import dev.forgeupload.testing.HookReceiver.Received;
import dev.forgeupload.testing.Poll;
import dev.forgeupload.testing.RawHttp;
import dev.forgeupload.testing.Samples;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import io.tus.java.client.ProtocolException;
import io.tus.java.client.TusClient;
import io.tus.java.client.TusUpload;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * Hooks end to end: a real ForgeUpload (Jetty, PostgreSQL, Redis, S3Proxy) sends every event to
 * a real HTTP receiver in the test, which checks each Standard Webhooks signature with its own
 * HMAC and answers as each test scripts it (rejections, changed metadata, StopUpload, garbage).
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class HooksIT {
  static final int MIB = 1 << 20;
  static final String ALL_EVENTS =
      "pre-create,post-create,post-receive,pre-finish,post-finish,pre-terminate,post-terminate,"
          + "post-store,post-fail";
  private static final String SECRET = HookReceiver.newSecret();

  private static HookReceiver receiver;
  private static TestServer server;
  private static TusHttp tus;

  /** The environment of a server sending {@code events} to {@code url}, plus {@code extra}. */
  static Map<String, String> hooksEnv(String url, String secret, String events,
      String... extra) {
    Map<String, String> env = new HashMap<>();
    env.put("FORGE_HOOKS_HTTP_URL", url);
    env.put("FORGE_HOOKS_SECRET", secret);
    env.put("FORGE_HOOKS_EVENTS", events);
    env.put("FORGE_HOOKS_PROGRESS_SECONDS", "0");
    env.put("FORGE_HOOKS_TIMEOUT_SECONDS", "2");
    env.put("FORGE_CHECKPOINT_SECONDS", "0");
    for (int i = 0; i < extra.length; i += 2) {
      env.put(extra[i], extra[i + 1]);
    }
    return env;
  }

  @BeforeAll
  static void start() {
    receiver = HookReceiver.start(SECRET);
    server = TestServer.start(hooksEnv(receiver.url(), SECRET, ALL_EVENTS));
    tus = new TusHttp(server.baseUrl());
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (receiver != null) {
      receiver.close();
    }
  }

  @BeforeEach
  void answerEverythingWithAnEmptyResponse() {
    receiver.script(r -> r.type() != null && r.type().startsWith("pre-")
        ? Answer.json("{}") : Answer.ok());
  }

  static boolean named(Received r, String filename) {
    return filename.equals(r.upload().path("MetaData").path("filename").asText());
  }

  static List<String> types(List<Received> rs) {
    return rs.stream().map(Received::type).toList();
  }

  /** The events of {@code id} the receiver has, once {@code type} is among them. */
  static List<Received> awaitEvent(HookReceiver receiver, String id, String type,
      Duration timeout) {
    return Poll.until(type + " of " + id, timeout, () -> receiver.of(id),
        l -> l.stream().anyMatch(r -> type.equals(r.type())));
  }

  @Test
  void every_event_arrives_signed_in_tusds_shape_and_in_order() throws Exception {
    byte[] data = TestData.randomBytes(3 * MIB, 14);
    String name = "every-event-" + UUID.randomUUID() + ".bin";
    HttpResponse<byte[]> created = tus.send(tus.tus("/files/")
        .header("Upload-Length", Integer.toString(data.length))
        .header("Upload-Metadata", meta(name, "application/octet-stream"))
        .header("Cookie", "session=s3cret-cookie")
        .POST(HttpRequest.BodyPublishers.noBody()));
    TusHttp.assertStatus("create", created, 201);
    String url = TusHttp.location(created);
    String id = TusHttp.id(url);
    for (int i = 0; i < 3; i++) {
      TusHttp.assertStatus("patch " + i,
          tus.patch(url, (long) i * MIB, data, i * MIB, MIB, Map.of("Cookie", "session=s3cret-cookie")),
          204);
    }
    JsonNode stored = tus.awaitStored(id, Duration.ofSeconds(60));
    awaitEvent(receiver, id, "post-store", Duration.ofSeconds(30));
    TusHttp.assertStatus("delete", tus.delete(url), 204);
    List<Received> events = awaitEvent(receiver, id, "post-terminate", Duration.ofSeconds(30));

    List<Received> preCreate = receiver.received(r -> "pre-create".equals(r.type()) && named(r, name));
    assertThat(preCreate).hasSize(1);
    assertThat(preCreate.get(0).upload().path("ID").asText()).isEmpty();
    assertThat(preCreate.get(0).upload().path("Size").asLong()).isEqualTo(data.length);
    assertThat(preCreate.get(0).httpRequest().path("Method").asText()).isEqualTo("POST");
    assertThat(preCreate.get(0).httpRequest().path("URI").asText()).isEqualTo("/files/");
    assertThat(preCreate.get(0).httpRequest().path("Header").path("Upload-Length").get(0).asText())
        .isEqualTo(Integer.toString(data.length));

    // notifications in order; each blocking hook before the notification it precedes in tusd
    List<Received> notes = events.stream().filter(r -> r.type().startsWith("post-")).toList();
    assertThat(types(notes)).containsExactly("post-create", "post-receive", "post-receive",
        "post-finish", "post-store", "post-terminate");
    assertThat(types(events)).containsSubsequence("pre-finish", "post-finish")
        .containsSubsequence("pre-terminate", "post-terminate")
        .containsOnlyOnce("pre-finish", "pre-terminate");
    List<Received> all = new java.util.ArrayList<>(preCreate);
    all.addAll(events);
    Set<String> ids = new HashSet<>();
    for (Received r : all) {
      assertThat(r.signatureValid()).as("signature of %s", r.type()).isTrue();
      assertThat(r.header("Content-Type")).startsWith("application/json");
      assertThat(new String(r.raw(), StandardCharsets.UTF_8)).doesNotContain("s3cret");
      assertThat(r.header("Cookie")).as("credentials are not forwarded").isNull();
      JsonNode u = r.upload();
      assertThat(List.of(fieldNames(u))).containsExactly("ID", "Size", "SizeIsDeferred", "Offset",
          "MetaData", "IsPartial", "IsFinal", "PartialUploads", "Storage");
      assertThat(List.of(fieldNames(r.httpRequest())))
          .containsExactly("Method", "URI", "RemoteAddr", "Header");
      assertThat(u.path("MetaData").path("filename").asText()).isEqualTo(name);
      assertThat(u.path("IsPartial").asBoolean()).isFalse();
      assertThat(u.path("IsFinal").asBoolean()).isFalse();
      assertThat(u.path("PartialUploads").isNull()).isTrue();
      ids.add(r.webhookId());
    }
    assertThat(ids).as("one webhook-id per event").hasSize(all.size());

    assertThat(notes.get(0).upload().path("Offset").asLong()).isZero();
    assertThat(notes.get(1).upload().path("Offset").asLong()).isEqualTo(MIB);
    assertThat(notes.get(2).upload().path("Offset").asLong()).isEqualTo(2L * MIB);
    assertThat(notes.get(3).upload().path("Offset").asLong()).isEqualTo(3L * MIB);
    assertThat(notes.get(0).httpRequest().path("Method").asText()).isEqualTo("POST");
    assertThat(notes.get(1).httpRequest().path("Method").asText()).isEqualTo("PATCH");
    assertThat(notes.get(1).httpRequest().path("URI").asText()).isEqualTo("/files/" + id);
    assertThat(notes.get(1).httpRequest().path("RemoteAddr").asText()).startsWith("127.0.0.1:");
    assertThat(notes.get(2).httpRequest().path("Header").path("Upload-Offset").get(0).asText())
        .as("the second PATCH").isEqualTo(Integer.toString(MIB));
    assertThat(notes.get(3).httpRequest().path("Method").asText()).isEqualTo("PATCH");
    assertThat(notes.get(4).httpRequest().path("Method").asText())
        .as("post-store comes from the worker, not a request").isEmpty();
    assertThat(notes.get(5).httpRequest().path("Method").asText()).isEqualTo("DELETE");

    JsonNode storage = notes.get(4).upload().path("Storage");
    assertThat(storage.path("Type").asText()).isEqualTo("s3store");
    assertThat(storage.path("Bucket").asText()).isEqualTo(server.bucket());
    assertThat(storage.path("Key").asText()).isEqualTo(stored.path("storage_key").asText());
    assertThat(storage.path("SHA256").asText()).isEqualTo(TestData.sha256(data));
    assertThat(notes.get(3).upload().path("Storage").isNull()).isTrue();

    JsonNode deliveries = tus.getJson("/api/v1/hooks/deliveries?upload_id=" + id);
    assertThat(deliveries.path("items")).hasSize(6);
    for (JsonNode d : deliveries.path("items")) {
      assertThat(d.path("state").asText()).isEqualTo("delivered");
      assertThat(d.path("attempts").asInt()).isEqualTo(1);
      assertThat(d.path("last_status").asInt()).isEqualTo(200);
      assertThat(ids).contains(d.path("id").asText());
    }
    assertThat(deliveries.path("items").get(0).path("event").asText())
        .as("newest first").isEqualTo("post-terminate");
  }

  @Test
  void a_pre_create_rejection_reaches_tus_java_client_with_the_hooks_status_and_body()
      throws Exception {
    receiver.script(r -> "pre-create".equals(r.type())
        && "closed".equals(r.upload().path("MetaData").path("project").asText())
        ? Answer.json("""
            {"RejectUpload": true,
             "HTTPResponse": {"StatusCode": 403, "Body": "{\\"message\\":\\"project 7 is closed\\"}",
                              "Header": {"Content-Type": "application/json", "X-Reason": "closed"}}}
            """)
        : Answer.json("{}"));
    String name = "rejected-" + UUID.randomUUID() + ".txt";
    TusClient client = new TusClient();
    client.setUploadCreationURL(URI.create(server.filesUrl()).toURL());
    TusUpload upload = new TusUpload();
    byte[] data = "hello".getBytes(StandardCharsets.UTF_8);
    upload.setInputStream(new ByteArrayInputStream(data));
    upload.setSize(data.length);
    upload.setFingerprint(name);
    upload.setMetadata(Map.of("filename", name, "project", "closed"));

    assertThatThrownBy(() -> client.createUpload(upload))
        .isInstanceOfSatisfying(ProtocolException.class, e -> {
          HttpURLConnection c = e.getCausingConnection();
          try {
            assertThat(c.getResponseCode()).isEqualTo(403);
            assertThat(c.getHeaderField("Content-Type")).isEqualTo("application/json");
            assertThat(c.getHeaderField("X-Reason")).isEqualTo("closed");
            assertThat(c.getHeaderField("Tus-Resumable")).isEqualTo("1.0.0");
            try (InputStream err = c.getErrorStream()) {
              assertThat(new String(err.readAllBytes(), StandardCharsets.UTF_8))
                  .isEqualTo("{\"message\":\"project 7 is closed\"}");
            }
          } catch (IOException io) {
            throw new AssertionError(io);
          }
        });
    assertThat(tus.getJson("/api/v1/uploads?q=" + name).path("items"))
        .as("nothing was created").isEmpty();

    // a rejection with a status that is no client error is still a 4xx: tusd's 400
    receiver.script(r -> Answer.json(
        "{\"RejectUpload\": true, \"HTTPResponse\": {\"StatusCode\": 500}}"));
    HttpResponse<byte[]> r = tus.tryCreate(5, meta(name, null));
    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(TusHttp.text(r)).isEqualTo("upload creation has been rejected by server");
  }

  @Test
  void change_file_info_sets_what_the_row_the_api_head_and_later_hooks_show() {
    UUID chosen = UUID.randomUUID();
    receiver.script(r -> "pre-create".equals(r.type())
        ? Answer.json("{\"ChangeFileInfo\": {\"ID\": \"" + chosen + "\", \"MetaData\": "
            + "{\"filename\": \"renamed.txt\", \"tenant\": \"t-42\"}},"
            + " \"HTTPResponse\": {\"Header\": {\"X-Upload-Tenant\": \"t-42\","
            + " \"Location\": \"http://evil.example/\"}}}")
        : Answer.ok());
    byte[] data = "changed by the hook".getBytes(StandardCharsets.UTF_8);
    HttpResponse<byte[]> created = tus.tryCreate(data.length, meta("original.txt", "text/plain"));
    TusHttp.assertStatus("create", created, 201);
    assertThat(created.headers().firstValue("X-Upload-Tenant")).hasValue("t-42");
    String url = TusHttp.location(created);
    assertThat(url).as("the hook's id, and our Location").isEqualTo(server.filesUrl() + chosen);
    TusHttp.assertStatus("patch", tus.patch(url, 0, data), 204);

    JsonNode row = tus.uploadJson(chosen.toString());
    assertThat(row.path("filename").asText()).isEqualTo("renamed.txt");
    assertThat(row.path("metadata").path("tenant").asText()).isEqualTo("t-42");
    assertThat(row.path("metadata").has("filetype")).isFalse();
    String header = tus.head(url).headers().firstValue("Upload-Metadata").orElseThrow();
    assertThat(header).contains("tenant " + b64("t-42")).contains("filename " + b64("renamed.txt"))
        .doesNotContain(b64("original.txt"));
    List<Received> later = awaitEvent(receiver, chosen.toString(), "post-finish",
        Duration.ofSeconds(20));
    for (Received r : later) {
      assertThat(r.upload().path("MetaData").path("filename").asText()).isEqualTo("renamed.txt");
      assertThat(r.upload().path("MetaData").path("tenant").asText()).isEqualTo("t-42");
    }

    // an ID that is taken is the hook's failure (503 with FORGE_HOOKS_FAIL=reject), not a 5xx
    receiver.script(r -> Answer.json("{\"ChangeFileInfo\": {\"ID\": \"" + chosen + "\"}}"));
    HttpResponse<byte[]> taken = tus.tryCreate(3, null);
    assertThat(taken.statusCode()).isEqualTo(503);
    assertThat(TusHttp.text(taken)).contains("pre-create hook failed")
        .contains("names an upload that exists");
  }

  @Test
  void pre_terminate_can_refuse_a_delete_and_pre_finish_adds_to_the_last_response() {
    receiver.script(r -> switch (String.valueOf(r.type())) {
      case "pre-terminate" -> Answer.json("{\"RejectTermination\": true, \"HTTPResponse\":"
          + " {\"StatusCode\": 423, \"Body\": \"legal hold\"}}");
      case "pre-finish" -> Answer.json("{\"HTTPResponse\": {\"Header\":"
          + " {\"Link\": \"<https://example.com/files/1>; rel=related\"}}}");
      case "pre-create" -> Answer.json("{}");
      default -> Answer.ok();
    });
    byte[] data = "keep me".getBytes(StandardCharsets.UTF_8);
    String url = tus.create(data.length, meta("keep.txt", null));
    HttpResponse<byte[]> last = tus.patch(url, 0, data);
    TusHttp.assertStatus("patch", last, 204);
    assertThat(last.headers().firstValue("Link"))
        .hasValue("<https://example.com/files/1>; rel=related");
    assertThat(last.headers().firstValue("Upload-Offset")).hasValue(Integer.toString(data.length));

    HttpResponse<byte[]> refused = tus.delete(url);
    assertThat(refused.statusCode()).isEqualTo(423);
    assertThat(TusHttp.text(refused)).isEqualTo("legal hold");
    assertThat(tus.head(url).statusCode()).as("still there").isEqualTo(200);
    assertThat(receiver.of(TusHttp.id(url)).stream().map(Received::type))
        .doesNotContain("post-terminate");
  }

  @Test
  void post_receive_stop_upload_answers_the_patch_with_the_hooks_refusal_and_terminates_it()
      throws Exception {
    receiver.script(r -> "post-receive".equals(r.type()) && named(r, "stop-me-too.bin")
        ? Answer.json("{\"StopUpload\": true, \"HTTPResponse\": {\"StatusCode\": 410,"
            + " \"Body\": \"the project is gone\"}}")
        : r.type() != null && r.type().startsWith("pre-") ? Answer.json("{}") : Answer.ok());
    int size = 64 * MIB;
    byte[] data = TestData.randomBytes(size, 8);
    String url = tus.create(size, meta("stop-me-too.bin", null));
    RawHttp raw = new RawHttp(server.baseUrl()).withTimeout(Duration.ofSeconds(30));
    RawHttp.Connection c = raw.patch(url, 0).header("Content-Length", size).open();
    Thread writer = new Thread(() -> {
      try {
        for (int pos = 0; pos < size; pos += 64 * 1024) {
          c.write(data, pos, 64 * 1024);
          if (pos >= 2 * MIB) {
            Thread.sleep(100);
          }
        }
      } catch (Throwable stopped) {
        // the server answered and closed
      }
    });
    writer.setDaemon(true);
    writer.start();
    RawHttp.Response r = c.read();
    c.close();
    assertThat(r.status()).isEqualTo(410);
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("the project is gone");
    Poll.until("the upload terminated", Duration.ofSeconds(10),
        () -> tus.head(url).statusCode(), s -> s == 410);
    assertThat(tus.uploadJson(TusHttp.id(url)).path("state").asText()).isEqualTo("deleted");
    awaitEvent(receiver, TusHttp.id(url), "post-terminate", Duration.ofSeconds(20));
  }

  @Test
  void post_fail_reports_an_upload_whose_content_was_refused() {
    byte[] exe = Samples.windowsExe(70_000);
    String url = tus.create(exe.length, meta("setup.bin", null));
    HttpResponse<byte[]> refused = tus.patch(url, 0, exe);
    assertThat(refused.statusCode()).isEqualTo(415);
    List<Received> events = awaitEvent(receiver, TusHttp.id(url), "post-fail",
        Duration.ofSeconds(20));
    assertThat(types(events)).containsExactly("post-create", "post-fail");
    Received fail = events.get(1);
    assertThat(fail.signatureValid()).isTrue();
    assertThat(fail.httpRequest().path("Method").asText()).isEqualTo("PATCH");
    assertThat(fail.upload().path("Offset").asLong()).isZero();
  }

  @Test
  void a_delivery_is_redelivered_on_request_with_the_same_webhook_id() {
    String url = tus.create(0, meta("empty.txt", null));
    String id = TusHttp.id(url);
    Received created = awaitEvent(receiver, id, "post-create", Duration.ofSeconds(20)).stream()
        .filter(r -> r.type().equals("post-create")).findFirst().orElseThrow();
    HttpResponse<byte[]> redelivered =
        tus.post("/api/v1/hooks/deliveries/" + created.webhookId() + "/redeliver");
    TusHttp.assertStatus("redeliver", redelivered, 202);
    assertThat(TusHttp.json(redelivered).path("state").asText()).isEqualTo("pending");
    List<Received> twice = Poll.until("the redelivery", Duration.ofSeconds(20),
        () -> receiver.received(r -> created.webhookId().equals(r.webhookId())),
        l -> l.size() == 2);
    assertThat(twice.get(1).signatureValid()).isTrue();
    assertThat(twice.get(1).upload()).isEqualTo(created.upload());

    assertThat(tus.post("/api/v1/hooks/deliveries/" + UUID.randomUUID() + "/redeliver")
        .statusCode()).isEqualTo(404);
    assertThat(tus.get("/api/v1/hooks/deliveries?state=lost").statusCode()).isEqualTo(400);
    assertThat(tus.get("/api/v1/hooks/deliveries?cursor=x").statusCode()).isEqualTo(400);
    JsonNode page = tus.getJson("/api/v1/hooks/deliveries?limit=1");
    assertThat(page.path("items")).hasSize(1);
    JsonNode next = tus.getJson("/api/v1/hooks/deliveries?limit=1&cursor="
        + page.path("next_cursor").asText());
    assertThat(next.path("items").get(0).path("id").asText())
        .isNotEqualTo(page.path("items").get(0).path("id").asText());
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String[] fieldNames(JsonNode n) {
    List<String> out = new java.util.ArrayList<>();
    n.fieldNames().forEachRemaining(out::add);
    return out.toArray(String[]::new);
  }
}
