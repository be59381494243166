package dev.forgeupload.hooks;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.forgeupload.core.HookType;
import dev.forgeupload.core.UploadHooks;
import dev.forgeupload.core.UploadKind;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class HookJsonTest {
  private static final UploadHooks.Request REQUEST =
      new UploadHooks.Request("PATCH", "/files/abc?access_token=s3cret&x=1", "127.0.0.1:5000",
          Map.of(
              "upload-offset", List.of("0"),
              "Authorization", List.of("Bearer s3cret"),
              "cookie", List.of("sid=s3cret"),
              "X-Tenant", List.of("t1"),
              "host", List.of("localhost:8080")));

  @Test
  void the_body_has_tusds_shape_field_for_field() throws Exception {
    UUID part = UUID.randomUUID();
    HookJson.Subject s = new HookJson.Subject("id-1", 10L, 4, Map.of("filename", "a.txt"),
        UploadKind.FINAL, List.of(part), "uploads/k", "ab12");
    JsonNode j = HookJson.JSON.readTree(HookJson.hookRequest(HookType.POST_STORE, s, "bkt",
        HookJson.request(REQUEST, List.of())));
    assertThat(j.get("Type").asText()).isEqualTo("post-store");
    JsonNode u = j.get("Event").get("Upload");
    assertThat(fieldNames(u)).containsExactly("ID", "Size", "SizeIsDeferred", "Offset",
        "MetaData", "IsPartial", "IsFinal", "PartialUploads", "Storage");
    assertThat(u.get("Size").asLong()).isEqualTo(10);
    assertThat(u.get("SizeIsDeferred").asBoolean()).isFalse();
    assertThat(u.get("IsFinal").asBoolean()).isTrue();
    assertThat(u.get("PartialUploads").get(0).asText()).isEqualTo(part.toString());
    assertThat(u.get("Storage").get("Type").asText()).isEqualTo("s3store");
    assertThat(u.get("Storage").get("Bucket").asText()).isEqualTo("bkt");
    assertThat(u.get("Storage").get("Key").asText()).isEqualTo("uploads/k");
    assertThat(u.get("Storage").get("SHA256").asText()).isEqualTo("ab12");
    JsonNode r = j.get("Event").get("HTTPRequest");
    assertThat(fieldNames(r)).containsExactly("Method", "URI", "RemoteAddr", "Header");
    assertThat(r.get("URI").asText()).isEqualTo("/files/abc?x=1");
    assertThat(r.get("Header").get("Upload-Offset").get(0).asText()).isEqualTo("0");
    assertThat(r.get("Header").get("Host").get(0).asText()).isEqualTo("localhost:8080");
  }

  @Test
  void a_deferred_regular_upload_has_size_zero_no_parts_and_no_storage() throws Exception {
    HookJson.Subject s =
        new HookJson.Subject("", null, 0, Map.of(), UploadKind.REGULAR, null, null, null);
    JsonNode u = HookJson.JSON.readTree(HookJson.hookRequest(HookType.PRE_CREATE, s, "b", null))
        .get("Event").get("Upload");
    assertThat(u.get("ID").asText()).isEmpty();
    assertThat(u.get("Size").asLong()).isZero();
    assertThat(u.get("SizeIsDeferred").asBoolean()).isTrue();
    assertThat(u.get("PartialUploads").isNull()).isTrue();
    assertThat(u.get("Storage").isNull()).isTrue();
    assertThat(u.get("MetaData").isObject()).isTrue();
  }

  @Test
  void credentials_stay_out_unless_forwarded_by_name() {
    JsonNode plain = HookJson.request(REQUEST, List.of());
    assertThat(plain.toString()).doesNotContain("s3cret");
    assertThat(HookJson.forwarded(plain, List.of("Authorization"))).isEmpty();

    JsonNode forwarded = HookJson.request(REQUEST, List.of("authorization", "X-Tenant"));
    assertThat(forwarded.get("Header").get("Authorization").get(0).asText())
        .isEqualTo("Bearer s3cret");
    assertThat(forwarded.get("Header").has("Cookie")).isFalse();
    assertThat(HookJson.forwarded(forwarded, List.of("authorization", "X-Tenant")))
        .containsEntry("authorization", List.of("Bearer s3cret"))
        .containsEntry("X-Tenant", List.of("t1"));
  }

  @Test
  void header_names_are_canonical_as_in_go() {
    assertThat(HookJson.canonical("upload-offset")).isEqualTo("Upload-Offset");
    assertThat(HookJson.canonical("TUS-RESUMABLE")).isEqualTo("Tus-Resumable");
    assertThat(HookJson.canonical("x-forwarded-for")).isEqualTo("X-Forwarded-For");
    assertThat(HookJson.canonical("bad name")).isEqualTo("bad name");
  }

  private static List<String> fieldNames(JsonNode n) {
    List<String> out = new java.util.ArrayList<>();
    n.fieldNames().forEachRemaining(out::add);
    return out;
  }
}
