package dev.forgeupload.s3staging;

import dev.forgeupload.core.ObjectKeys;
import dev.forgeupload.core.StagingStore;
import dev.forgeupload.core.Upload;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A final (concatenated) upload staged in S3: each part's multipart upload is completed into the
 * part's object, and the final's object is put together from them by S3 itself (UploadPartCopy),
 * when every part but the last reaches S3's 5 MiB part minimum. Otherwise it is left to the
 * worker's streaming copy. The SHA-256 of a final is not the continuation of one running state
 * (each part has its own), so the parts' objects are read once to hash them.
 */
final class FinalAssembly {
  private static final Logger log = LoggerFactory.getLogger(FinalAssembly.class);
  private final S3StagingStore store;
  private final S3Parts s3;

  FinalAssembly(S3StagingStore store, S3Parts s3) {
    this.store = store;
    this.s3 = s3;
  }

  Optional<StagingStore.InPlace> assemble(Upload fin) throws IOException {
    List<Upload> parts = new ArrayList<>();
    for (UUID id : fin.concatParts()) {
      parts.add(store.upload(id).orElseThrow(() -> new IOException("part " + id + " is gone")));
    }
    for (int i = 0; i < parts.size() - 1; i++) {
      if (parts.get(i).offset() < PartSize.MIN_BYTES) {
        log.info("FinalStreamed id={}: part {} is under S3's 5 MiB part minimum", fin.id(), i + 1);
        return Optional.empty();
      }
    }
    List<String> sources = new ArrayList<>();
    MessageDigest sha = sha256();
    byte[] buf = new byte[256 * 1024];
    for (Upload p : parts) {
      if (p.offset() == 0) {
        continue;
      }
      String key = store.sealedKey(p);
      sources.add(key);
      try (InputStream in = s3.get(key, 0, p.offset())) {
        for (int n; (n = in.read(buf)) > 0; ) {
          sha.update(buf, 0, n);
        }
      }
    }
    if (sources.isEmpty()) {
      return Optional.empty();
    }
    String key = ObjectKeys.of(fin);
    try {
      s3.compose(key, sources, "application/octet-stream");
    } catch (IOException e) {
      log.info("FinalStreamed id={}: S3 could not copy the parts ({})", fin.id(), e.toString());
      return Optional.empty();
    }
    long size = s3.size(key);
    if (size != fin.length()) {
      throw new IOException("S3 object " + key + " is " + size + " bytes, the final "
          + fin.length());
    }
    log.info("FinalComposed id={} parts={} bytes={}", fin.id(), sources.size(), size);
    return Optional.of(new StagingStore.InPlace(key, HexFormat.of().formatHex(sha.digest())));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
