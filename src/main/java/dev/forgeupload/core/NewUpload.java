package dev.forgeupload.core;

import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** What a creation request asks for. */
public record NewUpload(
    UUID id,
    String owner,
    Long length,
    UploadKind kind,
    List<UUID> concatParts,
    Map<String, String> metadata,
    String metadataHeader,
    String creatorAddress,
    OffsetDateTime expiresAt) {

  public String filename() {
    return Metadata.filename(metadata);
  }

  public String contentType() {
    return Metadata.contentType(metadata);
  }
}
