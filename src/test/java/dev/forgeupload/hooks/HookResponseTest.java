package dev.forgeupload.hooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.forgeupload.core.UploadHooks;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HookResponseTest {

  private static HookResponse parse(String json) throws HookResponse.Invalid {
    return HookResponse.parse(json.getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void reads_every_field_tusd_defines() throws Exception {
    HookResponse r = parse("""
        {"HTTPResponse": {"StatusCode": 403, "Body": "{\\"message\\":\\"no\\"}",
                          "Header": {"Content-Type": "application/json"}},
         "RejectUpload": true, "RejectTermination": true, "StopUpload": true,
         "ChangeFileInfo": {"ID": "x", "MetaData": {"filename": "b.txt"},
                            "Storage": {"Path": "ignored"}},
         "Unknown": 1}
        """);
    assertThat(r.reply().status()).isEqualTo(403);
    assertThat(r.reply().body()).isEqualTo("{\"message\":\"no\"}");
    assertThat(r.reply().headers()).containsEntry("Content-Type", "application/json");
    assertThat(r.rejectUpload()).isTrue();
    assertThat(r.rejectTermination()).isTrue();
    assertThat(r.stopUpload()).isTrue();
    assertThat(r.changeId()).isEqualTo("x");
    assertThat(r.changeMetadata()).containsExactly(Map.entry("filename", "b.txt"));
  }

  @Test
  void an_empty_body_or_object_is_the_empty_response() throws Exception {
    assertThat(HookResponse.parse(new byte[0])).isEqualTo(HookResponse.EMPTY);
    assertThat(parse("  ")).isEqualTo(HookResponse.EMPTY);
    HookResponse r = parse("{}");
    assertThat(r.rejectUpload()).isFalse();
    assertThat(r.changeMetadata()).isNull();
    assertThat(r.reply()).isEqualTo(UploadHooks.Reply.NONE);
  }

  @Test
  void anything_else_is_invalid() {
    for (String bad : new String[] {
        "not json", "[1]", "\"x\"", "{\"RejectUpload\": \"yes\"}",
        "{\"HTTPResponse\": {\"StatusCode\": 99999}}",
        "{\"HTTPResponse\": {\"StatusCode\": 4.5}}",
        "{\"HTTPResponse\": {\"Header\": {\"X\": \"a\\r\\nSet-Cookie: x\"}}}",
        "{\"HTTPResponse\": {\"Header\": {\"Bad Name\": \"a\"}}}",
        "{\"ChangeFileInfo\": {\"MetaData\": {\"k\": 1}}}",
        "{\"ChangeFileInfo\": []}"}) {
      assertThatThrownBy(() -> parse(bad)).as(bad).isInstanceOf(HookResponse.Invalid.class);
    }
  }

  @Test
  void a_refusal_is_always_a_4xx_with_a_body() {
    UploadHooks.Reply none = BlockingHooks.refusal(UploadHooks.Reply.NONE, "rejected");
    assertThat(none.status()).isEqualTo(400);
    assertThat(none.body()).isEqualTo("rejected");
    assertThat(BlockingHooks.refusal(new UploadHooks.Reply(500, "boom", Map.of()), "r").status())
        .isEqualTo(400);
    assertThat(BlockingHooks.refusal(new UploadHooks.Reply(302, "", Map.of()), "r").body())
        .isEqualTo("r");
    assertThat(BlockingHooks.refusal(new UploadHooks.Reply(451, "law", Map.of()), "r"))
        .isEqualTo(new UploadHooks.Reply(451, "law", Map.of()));
  }

  @Test
  void retries_back_off_from_one_second_doubling_to_the_cap() {
    assertThat(Dispatcher.backoff(1)).isEqualTo(Duration.ofSeconds(1));
    assertThat(Dispatcher.backoff(2)).isEqualTo(Duration.ofSeconds(2));
    assertThat(Dispatcher.backoff(5)).isEqualTo(Duration.ofSeconds(16));
    assertThat(Dispatcher.backoff(6)).isEqualTo(Dispatcher.MAX_BACKOFF);
    assertThat(Dispatcher.backoff(1000)).isEqualTo(Dispatcher.MAX_BACKOFF);
  }
}
