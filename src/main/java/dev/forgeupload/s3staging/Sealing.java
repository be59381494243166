package dev.forgeupload.s3staging;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Completes an upload's multipart upload into its object key once every byte is in: the full
 * parts the rows recorded, then the live checkpoint's tail as the last part (UploadPartCopy, or
 * sent again when the S3 server cannot copy a part). Sealing twice is harmless: an object already
 * of the upload's size counts as sealed before (by another node, or by a run that died before it
 * recorded it).
 */
final class Sealing {
  private static final Logger log = LoggerFactory.getLogger(Sealing.class);

  private final S3Parts s3;
  private final StagingRows rows;

  Sealing(S3Parts s3, StagingRows rows) {
    this.s3 = s3;
    this.rows = rows;
  }

  /** Seals {@code s} at checkpoint {@code cp} (its end) and marks its row sealed. */
  void seal(StagingRows.Staged s, StagingRows.Checkpoint cp) throws IOException {
    long full = cp.offset() / s.partBytes();
    if (full > Integer.MAX_VALUE - 1) {
      throw new IOException("too many parts");
    }
    List<S3Parts.Part> parts = new ArrayList<>(rows.parts(s.id(), (int) full));
    if (parts.size() != full) {
      throw new IOException("S3 staging of " + s.id() + " has " + parts.size() + " of " + full
          + " parts");
    }
    try {
      if (cp.offset() == 0) {
        s3.abort(s.objectKey(), s.multipartId());
        s3.put(s.objectKey(), new byte[0], 0);
      } else {
        if (cp.tailBytes() > 0) {
          parts.add(new S3Parts.Part((int) full + 1, tailPart(s, cp, (int) full + 1)));
        }
        s3.complete(s.objectKey(), s.multipartId(), parts);
      }
    } catch (IOException e) {
      if (s3.size(s.objectKey()) != cp.offset()) {
        throw e;
      }
      log.info("S3StagingSealedBefore id={}", s.id());
    }
    long size = s3.size(s.objectKey());
    if (size != cp.offset()) {
      throw new IOException("S3 object " + s.objectKey() + " is " + size + " bytes, the upload "
          + cp.offset());
    }
    rows.markSealed(s.id());
    log.info("S3StagingSealed id={} parts={} bytes={}", s.id(), parts.size(), size);
  }

  private String tailPart(StagingRows.Staged s, StagingRows.Checkpoint cp, int number)
      throws IOException {
    try {
      return s3.copyPart(s.objectKey(), s.multipartId(), number, cp.tailKey());
    } catch (IOException e) {
      log.debug("S3CopyPartUnavailable id={} error={}: sending the tail again", s.id(),
          e.toString());
      byte[] tail;
      try (InputStream in = s3.get(cp.tailKey(), 0, cp.tailBytes())) {
        tail = in.readNBytes((int) cp.tailBytes());
      }
      return s3.uploadPart(s.objectKey(), s.multipartId(), number, tail, tail.length);
    }
  }
}
