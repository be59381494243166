package dev.forgeupload.tus;

import dev.forgeupload.core.Metadata;
import dev.forgeupload.core.NewUpload;
import dev.forgeupload.core.Upload;
import dev.forgeupload.core.UploadException;
import dev.forgeupload.core.UploadIds;
import dev.forgeupload.core.UploadKind;
import dev.forgeupload.core.Patch;
import dev.forgeupload.core.Uploads;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.UUID;
import me.desair.tus.server.exception.TusException;
import me.desair.tus.server.exception.UploadNotFoundException;
import me.desair.tus.server.upload.UploadId;
import me.desair.tus.server.upload.UploadIdFactory;
import me.desair.tus.server.upload.UploadInfo;
import me.desair.tus.server.upload.UploadLockingService;
import me.desair.tus.server.upload.UploadStorageService;
import me.desair.tus.server.upload.UploadType;
import me.desair.tus.server.upload.concatenation.UploadConcatenationService;

/**
 * tus-java-server's storage SPI over ForgeUpload's {@link Uploads}: rows in PostgreSQL, bytes
 * in the staging store. No Java serialization: {@link UploadInfo} is built from the row on demand.
 */
final class TusStorageAdapter implements UploadStorageService {
  private final Uploads uploads;
  private UploadIdFactory idFactory;
  private Long expirationPeriod;
  private UploadConcatenationService concatenationService;

  TusStorageAdapter(Uploads uploads) {
    this.uploads = uploads;
  }

  UUID idOf(String uri) {
    UploadId id = idFactory.readUploadId(uri);
    return id == null ? null : (UUID) id.getOriginalObject();
  }

  @Override
  public UploadInfo getUploadInfo(String uploadUrl, String ownerKey) {
    UUID id = idOf(uploadUrl);
    return id == null ? null : find(id);
  }

  @Override
  public UploadInfo getUploadInfo(UploadId id) {
    return id == null ? null : find((UUID) id.getOriginalObject());
  }

  private UploadInfo find(UUID id) {
    return uploads.lifecycle().find(id).filter(u -> !u.state().isGone()).map(TusStorageAdapter::toInfo)
        .orElse(null);
  }

  static UploadInfo toInfo(Upload u) {
    UploadInfo info = new UploadInfo();
    info.setId(new UploadId(u.id()));
    info.setOwnerKey(u.owner());
    info.setLength(u.length());
    info.setOffset(u.offset());
    if (u.metadataHeader() != null) {
      info.setEncodedMetadata(u.metadataHeader());
    }
    info.setUploadType(
        switch (u.kind()) {
          case REGULAR -> UploadType.REGULAR;
          case PARTIAL -> UploadType.PARTIAL;
          case FINAL -> UploadType.CONCATENATED;
        });
    return info;
  }

  @Override
  public String getUploadUri() {
    return idFactory.getUploadUri();
  }

  @Override
  public UploadInfo append(UploadInfo upload, InputStream inputStream)
      throws IOException, TusException {
    UUID id = (UUID) upload.getId().getOriginalObject();
    try {
      Upload after =
          uploads.writer().append(
              id,
              new Patch(upload.getOffset(), null, null, null, false, null),
              inputStream);
      return toInfo(after);
    } catch (UploadException e) {
      throw new TusException(e.status(), e.getMessage());
    }
  }

  @Override
  public void setMaxUploadSize(Long maxUploadSize) {
    // The maximum is configuration (FORGE_MAX_UPLOAD_BYTES), owned by the write path.
  }

  @Override
  public long getMaxUploadSize() {
    return uploads.writer().maxUploadBytes();
  }

  @Override
  public UploadInfo create(UploadInfo info, String ownerKey) {
    UploadKind kind =
        info.getUploadType() == UploadType.PARTIAL ? UploadKind.PARTIAL : UploadKind.REGULAR;
    Upload u =
        uploads.writer().create(
            new NewUpload(
                UploadIds.newId(),
                ownerKey,
                info.getLength(),
                kind,
                null,
                Metadata.parse(info.getEncodedMetadata()),
                info.getEncodedMetadata(),
                info.getCreatorIpAddresses(),
                uploads.writer().newExpiry()));
    return toInfo(u);
  }

  @Override
  public void update(UploadInfo uploadInfo) throws UploadNotFoundException {
    // Rows change through the write path's explicit operations (offset compare-and-set, length
    // declaration); a blind overwrite of the whole row would race with concurrent writers.
    if (getUploadInfo(uploadInfo.getId()) == null) {
      throw new UploadNotFoundException("upload not found");
    }
  }

  @Override
  public InputStream getUploadedBytes(String uploadUri, String ownerKey)
      throws IOException, UploadNotFoundException {
    UUID id = idOf(uploadUri);
    if (id == null) {
      throw new UploadNotFoundException("upload not found");
    }
    return getUploadedBytes(new UploadId(id));
  }

  @Override
  public InputStream getUploadedBytes(UploadId id) throws IOException, UploadNotFoundException {
    try {
      Upload u = uploads.lifecycle().current((UUID) id.getOriginalObject());
      return uploads.reader().open(u, 0, u.offset());
    } catch (UploadException e) {
      throw new UploadNotFoundException(e.getMessage());
    }
  }

  @Override
  public void copyUploadTo(UploadInfo info, OutputStream outputStream)
      throws UploadNotFoundException, IOException {
    try (InputStream in = getUploadedBytes(info.getId())) {
      in.transferTo(outputStream);
    }
  }

  @Override
  public void cleanupExpiredUploads(UploadLockingService uploadLockingService) {
    // Expired uploads answer 410 as soon as they expire; sweeping staging is the sweeper's job.
  }

  @Override
  public void removeLastNumberOfBytes(UploadInfo uploadInfo, long byteCount) {
    // Never needed: the write path rolls back unverified bytes itself, under the lock.
  }

  @Override
  public void terminateUpload(UploadInfo uploadInfo) throws IOException {
    uploads.lifecycle().terminate((UUID) uploadInfo.getId().getOriginalObject());
  }

  @Override
  public Long getUploadExpirationPeriod() {
    return expirationPeriod;
  }

  @Override
  public void setUploadExpirationPeriod(Long uploadExpirationPeriod) {
    this.expirationPeriod = uploadExpirationPeriod;
  }

  @Override
  public void setUploadConcatenationService(UploadConcatenationService service) {
    this.concatenationService = service;
  }

  @Override
  public UploadConcatenationService getUploadConcatenationService() {
    return concatenationService;
  }

  @Override
  public void setIdFactory(UploadIdFactory idFactory) {
    this.idFactory = idFactory;
  }
}
