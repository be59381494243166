package dev.forgeupload.hooks;

import static dev.forgeupload.testing.TestData.meta;
import static org.assertj.core.api.Assertions.assertThat;

import dev.forgeupload.testing.HookReceiver;
import dev.forgeupload.testing.HookReceiver.Answer;
import dev.forgeupload.testing.Poll;
import dev.forgeupload.testing.TestServer;
import dev.forgeupload.testing.TusHttp;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;

/**
 * A blocking hook that fails, both ways: {@code FORGE_HOOKS_FAIL=reject} refuses the request with
 * 503 and the reason, {@code allow} goes on as if the hook had answered nothing. Failing means a
 * receiver that is down, hangs past the timeout, answers non-2xx, redirects (never followed), or
 * answers something that is no hook response (a huge body, not JSON, a header with CR/LF). A
 * failing notification receiver never slows uploads.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class HookFailuresIT {
  private static final String SECRET = HookReceiver.newSecret();
  private static HookReceiver receiver;
  private static TestServer rejecting;
  private static TestServer allowing;

  @BeforeAll
  static void start() {
    receiver = HookReceiver.start(SECRET);
    String events = "pre-create,post-create,post-finish";
    rejecting = TestServer.start(HooksIT.hooksEnv(receiver.url(), SECRET, events,
        "FORGE_HOOKS_FAIL", "reject", "FORGE_HOOKS_TIMEOUT_SECONDS", "1"));
    allowing = TestServer.start(HooksIT.hooksEnv(receiver.url(), SECRET, events,
        "FORGE_HOOKS_FAIL", "allow", "FORGE_HOOKS_TIMEOUT_SECONDS", "1"));
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {rejecting, allowing, receiver}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // stopping anyway
      }
    }
  }

  @AfterEach
  void receiverBackToNormal() {
    receiver.script(r -> Answer.json("{}"));
  }

  /** A creation on each server while pre-create answers {@code answer}: the reject one's 503. */
  private static String bothWays(Function<HookReceiver.Received, Answer> answer) {
    receiver.script(r -> "pre-create".equals(r.type()) ? answer.apply(r) : Answer.ok());
    long t0 = System.nanoTime();
    HttpResponse<byte[]> refused = new TusHttp(rejecting.baseUrl()).tryCreate(4, meta("a.txt", null));
    HttpResponse<byte[]> let = new TusHttp(allowing.baseUrl()).tryCreate(4, meta("a.txt", null));
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertThat(refused.statusCode()).as(TusHttp.text(refused)).isEqualTo(503);
    assertThat(let.statusCode()).as(TusHttp.text(let)).isEqualTo(201);
    assertThat(seconds).as("both within their 1 s hook timeouts, and a bit").isLessThan(6);
    assertThat(TusHttp.text(refused)).startsWith("the pre-create hook failed: ");
    return TusHttp.text(refused);
  }

  @Test
  void a_receiver_that_is_down_refuses_or_lets_through() {
    receiver.down();
    try {
      assertThat(bothWays(r -> Answer.ok())).contains("connection refused");
    } finally {
      receiver.up();
    }
  }

  @Test
  void a_hook_that_hangs_past_the_timeout_refuses_or_lets_through_in_time() {
    assertThat(bothWays(r -> Answer.json("{}").after(Duration.ofSeconds(5))))
        .contains("within 1 s");
  }

  @Test
  void a_non_2xx_answer_is_a_failure_not_a_rejection() {
    assertThat(bothWays(r -> Answer.status(500))).contains("status 500");
    assertThat(bothWays(r -> Answer.status(403))).contains("status 403");
  }

  @Test
  void a_redirect_is_not_followed() {
    String elsewhere = receiver.baseUrl() + "/elsewhere";
    assertThat(bothWays(r -> Answer.status(302).withHeader("Location", elsewhere)))
        .contains("status 302");
    assertThat(receiver.received(r -> r.path().equals("/elsewhere"))).isEmpty();
  }

  @Test
  void a_huge_body_is_cut_off_and_fails() {
    byte[] huge = ("{\"HTTPResponse\": {\"Body\": \"" + "x".repeat(4 << 20) + "\"}}")
        .getBytes(StandardCharsets.UTF_8);
    assertThat(bothWays(r -> new Answer(200, "application/json", huge, 0, Map.of())))
        .contains("over 65536 bytes");
  }

  @Test
  void what_is_no_hook_response_fails() {
    assertThat(bothWays(r -> Answer.json("{\"RejectUpload\": tru"))).contains("not JSON");
    assertThat(bothWays(r -> Answer.json("[\"RejectUpload\"]"))).contains("not a JSON object");
    assertThat(bothWays(r -> Answer.json(
        "{\"HTTPResponse\": {\"Header\": {\"X-A\": \"1\\r\\nSet-Cookie: stolen=1\"}}}")))
        .contains("Header");
    assertThat(bothWays(r -> Answer.json("{\"ChangeFileInfo\": {\"ID\": \"../../etc\"}}")))
        .contains("ChangeFileInfo.ID");
  }

  @Test
  void notifications_that_fail_or_hang_never_slow_uploads() {
    TusHttp tus = new TusHttp(rejecting.baseUrl());
    receiver.script(r -> "pre-create".equals(r.type()) ? Answer.json("{}") : Answer.ok());
    twentyUploads(tus, "warm-up"); // the first uploads of a JVM are slow for other reasons
    double normal = twentyUploads(tus, "normal");
    receiver.script(r -> "pre-create".equals(r.type()) ? Answer.json("{}")
        : Answer.status(503).after(Duration.ofSeconds(3)));
    double hanging = twentyUploads(tus, "hanging");
    System.out.printf("HookFailuresIT: 20 uploads in %.2f s with notifications answered, "
        + "%.2f s with each hanging 3 s then 503%n", normal, hanging);
    assertThat(hanging).as("uploads with hanging notifications vs answered ones")
        .isLessThan(normal * 2 + 2);
    Poll.until("the hanging notifications attempted", Duration.ofSeconds(20),
        () -> receiver.received(r -> "post-create".equals(r.type())
            && r.upload().path("MetaData").path("filename").asText().startsWith("hanging")).size(),
        n -> n >= 4);
  }

  private static double twentyUploads(TusHttp tus, String name) {
    long t0 = System.nanoTime();
    for (int i = 0; i < 20; i++) {
      tus.upload(("file " + i).getBytes(StandardCharsets.UTF_8), meta(name + i + ".txt", null));
    }
    return (System.nanoTime() - t0) / 1e9;
  }
}
