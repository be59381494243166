package dev.forgeupload.tus;

import dev.forgeupload.core.UploadIds;
import java.io.Serializable;
import me.desair.tus.server.upload.UploadId;
import me.desair.tus.server.upload.UploadIdFactory;

/** The engine's id factory, accepting only canonical random UUIDs in upload URLs. */
final class StrictUuidIdFactory extends UploadIdFactory {
  @Override
  public UploadId createId() {
    return new UploadId(UploadIds.newId());
  }

  @Override
  protected Serializable getIdValueIfValid(String extractedUrlId) {
    return UploadIds.parse(extractedUrlId).orElse(null);
  }
}
