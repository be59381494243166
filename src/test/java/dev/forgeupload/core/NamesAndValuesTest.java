package dev.forgeupload.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Issue 17, item 5 (a DEL in a metadata key, an object key for a long name without a dot) and the
 * core's small value types: ids, states, kinds, problems.
 */
class NamesAndValuesTest {

  @Test
  void a_metadata_key_is_printable_ascii_without_del() {
    assertThatThrownBy(() -> Metadata.parse("file\u007fname aGk="))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Upload-Metadata key 'file?name' is invalid");
    assertThatThrownBy(() -> Metadata.parse("\u007f aGk=")).hasMessageContaining("'?'");
    assertThatThrownBy(() -> Metadata.parse("k\u001fey aGk=")).hasMessageContaining("'k?ey'");
    assertThatThrownBy(() -> Metadata.parse("cl\u00e9 aGk=")).hasMessageContaining("'cl?'");
    // the edges of the allowed range are keys
    assertThat(Metadata.parse("!~ aGk=")).containsEntry("!~", "hi");
  }

  @Test
  void an_empty_header_is_no_metadata_and_a_value_with_a_space_is_refused() {
    assertThat(Metadata.parse(null)).isEmpty();
    assertThat(Metadata.parse("  ")).isEmpty();
    assertThat(Metadata.parse("flag")).containsEntry("flag", "");
    assertThatThrownBy(() -> Metadata.parse("k aGk= aGk="))
        .hasMessage("Upload-Metadata value for 'k' has a space");
  }

  @Test
  void the_type_and_name_come_from_the_first_key_that_has_a_value() {
    assertThat(Metadata.contentType(Map.of("filetype", "image/png"))).isEqualTo("image/png");
    assertThat(Metadata.contentType(Map.of("filetype", " ", "type", "a/b"))).isEqualTo("a/b");
    assertThat(Metadata.contentType(Map.of("mimetype", "c/d"))).isEqualTo("c/d");
    assertThat(Metadata.contentType(Map.of("contentType", "e/f"))).isEqualTo("e/f");
    assertThat(Metadata.contentType(Map.of())).isNull();
    assertThat(Metadata.filename(Map.of("filename", "a.txt"))).isEqualTo("a.txt");
    assertThat(Metadata.filename(Map.of("name", "dir/b.txt"))).isEqualTo("b.txt");
  }

  @Test
  void a_name_over_200_bytes_without_a_dot_is_cut_to_200_bytes() {
    assertThat(ObjectKeys.safeName("a".repeat(300))).isEqualTo("a".repeat(200));
    String cut = ObjectKeys.safeName("\u00e9".repeat(150)); // 2 bytes each
    assertThat(cut).isEqualTo("\u00e9".repeat(100));
    assertThat(cut.getBytes(StandardCharsets.UTF_8)).hasSize(200);
    assertThat(ObjectKeys.safeName("b".repeat(200))).isEqualTo("b".repeat(200));
    assertThat(ObjectKeys.safeName("c".repeat(201))).isEqualTo("c".repeat(200));
  }

  @Test
  void a_long_name_keeps_an_extension_of_up_to_16_characters() {
    String ext16 = "." + "e".repeat(15);
    assertThat(ObjectKeys.safeName("x".repeat(250) + ext16))
        .isEqualTo("x".repeat(200 - 16) + ext16);
    String ext17 = "." + "e".repeat(16);
    assertThat(ObjectKeys.safeName("x".repeat(250) + ext17)).isEqualTo("x".repeat(200));
    assertThat(ObjectKeys.safeName("x".repeat(250) + ". tar"))
        .as("the cut stem loses trailing spaces").hasSize(200);
  }

  @Test
  void an_object_name_keeps_safe_characters_and_replaces_the_rest() {
    assertThat(ObjectKeys.safeName("a-b_c.d e")).isEqualTo("a-b_c.d e");
    assertThat(ObjectKeys.safeName("x*y?z")).isEqualTo("x_y_z");
    assertThat(ObjectKeys.safeName("dir\\sub/n.txt")).isEqualTo("n.txt");
    assertThat(ObjectKeys.safeName("...")).isEqualTo("file");
    assertThat(ObjectKeys.safeName("   ")).isEqualTo("file");
    assertThat(ObjectKeys.safeName("..x")).isEqualTo("x");
    assertThat(ObjectKeys.safeName(null)).isEqualTo("file");
  }

  @Test
  void ids_are_random_v4_uuids_parsed_only_in_canonical_form() {
    UUID id = UploadIds.newId();
    assertThat(id.version()).isEqualTo(4);
    assertThat(UploadIds.newId()).isNotEqualTo(id);
    assertThat(UploadIds.parse(id.toString())).contains(id);
    assertThat(UploadIds.parse(id.toString().toUpperCase())).contains(id);
    assertThat(UploadIds.parse(null)).isEmpty();
    assertThat(UploadIds.parse("1-2-3-4-5")).isEmpty();
    assertThat(UploadIds.parse(id + "x")).isEmpty();
  }

  @Test
  void states_and_kinds_have_lower_case_database_names() {
    assertThat(UploadState.STORING.dbName()).isEqualTo("storing");
    assertThat(UploadState.fromDb("queued")).isEqualTo(UploadState.QUEUED);
    assertThat(UploadKind.PARTIAL.dbName()).isEqualTo("partial");
    assertThat(UploadKind.fromDb("final")).isEqualTo(UploadKind.FINAL);
    assertThat(UploadState.DELETED.isGone()).isTrue();
    assertThat(UploadState.EXPIRED.isGone()).isTrue();
    assertThat(UploadState.FAILED.isGone()).isFalse();
    assertThat(UploadState.STORED.isGone()).isFalse();
  }

  @Test
  void only_the_content_checks_refusals_are_content_rejections() {
    assertThat(Problem.CONTENT_REJECTED.isContentRejection()).isTrue();
    assertThat(Problem.CONTENT_TOO_LARGE.isContentRejection()).isTrue();
    assertThat(Problem.TOO_LARGE.isContentRejection()).isFalse();
    assertThat(Problem.UNSUPPORTED_MEDIA_TYPE.isContentRejection()).isFalse();
    UploadException e = new UploadException(Problem.CONTENT_TOO_LARGE, "big");
    assertThat(e.isContentRejection()).isTrue();
    assertThat(e.problem()).isEqualTo(Problem.CONTENT_TOO_LARGE);
    assertThat(e.code()).isEqualTo("content_too_large");
    assertThat(e.status()).isEqualTo(413);
    assertThat(UploadException.tooLarge("x").isContentRejection()).isFalse();
    UploadException locked = UploadException.locked();
    assertThat(locked.problem()).isEqualTo(Problem.LOCKED);
    assertThat(locked.status()).isEqualTo(423);
    assertThat(locked.getMessage()).isEqualTo("upload is locked by another request");
    assertThat(e.getStackTrace()).as("refusals carry no stack trace").isEmpty();
  }

  @Test
  void a_part_is_reported_as_octet_stream_whatever_its_row_says() {
    Upload part = CoreFixture.row(UUID.randomUUID(), UploadKind.PARTIAL, UploadState.UPLOADING,
        5L, 0, false, null, null);
    Upload typed = new Upload(part.id(), null, null, "image/png", 5L, 0, UploadState.UPLOADING,
        UploadKind.PARTIAL, null, Map.of(), null, null, null, null, null, null, null, null, null,
        null);
    assertThat(typed.reportedContentType()).isEqualTo(ContentPolicy.OCTET_STREAM);
    Upload regular = new Upload(part.id(), null, null, "image/png", 5L, 0, UploadState.UPLOADING,
        UploadKind.REGULAR, null, Map.of(), null, null, null, null, null, null, null, null, null,
        null);
    assertThat(regular.reportedContentType()).isEqualTo("image/png");
    assertThat(regular.hasLength()).isTrue();
  }

  @Test
  void a_body_is_checksummed_by_a_header_or_an_announced_trailer() throws Exception {
    Checksum c = Checksum.parse("md5 " + java.util.Base64.getEncoder().encodeToString(new byte[16]));
    assertThat(new Patch(0, null, null, c, false, null).checksummed()).isTrue();
    assertThat(new Patch(0, null, null, null, true, () -> null).checksummed()).isTrue();
    assertThat(new Patch(0, null, null, null, false, () -> "x").checksummed()).isFalse();
  }

  @Test
  void type_limits_are_parsed_strictly() {
    assertThat(TypePatterns.parseLimits("image/*=0")).containsEntry("image/*", 0L);
    assertThatThrownBy(() -> TypePatterns.parseLimits("=5"))
        .hasMessageContaining("is not a media type");
    assertThatThrownBy(() -> TypePatterns.parseLimits("bad=5"))
        .hasMessageContaining("'bad'");
    assertThatThrownBy(() -> TypePatterns.parseLimits("image/*=-1"))
        .hasMessage("limit for 'image/*' must be a non-negative integer of bytes");
  }
}
