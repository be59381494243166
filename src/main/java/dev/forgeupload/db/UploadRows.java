package dev.forgeupload.db;


import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeupload.core.Upload;
import dev.forgeupload.core.UploadKind;
import dev.forgeupload.core.UploadState;
import dev.forgeupload.db.generated.tables.records.UploadsRecord;
import java.util.Arrays;
import java.util.Map;
import org.jooq.JSONB;

/** Rows of {@code uploads} to {@link Upload}, and the metadata column's JSON. */
final class UploadRows {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TypeReference<Map<String, String>> MAP = new TypeReference<>() {};

  private UploadRows() {}

  static Upload toUpload(UploadsRecord r) {
    return new Upload(
        r.getId(),
        r.getOwner(),
        r.getFilename(),
        r.getContentType(),
        r.getLength(),
        r.getOffset(),
        UploadState.fromDb(r.getState()),
        UploadKind.fromDb(r.getUploadType()),
        r.getConcatParts() == null ? null : Arrays.asList(r.getConcatParts()),
        fromJson(r.getMetadata()),
        r.getMetadataHeader(),
        r.getSha256(),
        r.getStorageKey(),
        r.getError(),
        r.getCreatorAddress(),
        r.getCreatedAt(),
        r.getUpdatedAt(),
        r.getCompletedAt(),
        r.getStoredAt(),
        r.getExpiresAt());
  }

  static String toJson(Map<String, String> m) {
    try {
      return JSON.writeValueAsString(m == null ? Map.of() : m);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static Map<String, String> fromJson(JSONB j) {
    try {
      return j == null ? Map.of() : JSON.readValue(j.data(), MAP);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }
}
