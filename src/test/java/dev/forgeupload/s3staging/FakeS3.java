package dev.forgeupload.s3staging;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.NoSuchFileException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/** {@link S3Parts} in memory, with S3's rules that matter here (part minimum, ETags). */
final class FakeS3 implements S3Parts {
  final Map<String, byte[]> objects = new ConcurrentHashMap<>();
  final Map<String, Multipart> multiparts = new ConcurrentHashMap<>();
  int partUploads;
  boolean copyPartWorks = true;

  static final class Multipart {
    final String key;
    final Instant initiated;
    final Map<Integer, byte[]> parts = new TreeMap<>();

    Multipart(String key, Instant initiated) {
      this.key = key;
      this.initiated = initiated;
    }
  }

  static String etag(byte[] b) {
    return Integer.toHexString(Arrays.hashCode(b)) + "-" + b.length;
  }

  @Override
  public String create(String key, String contentType) {
    String id = UUID.randomUUID().toString();
    multiparts.put(id, new Multipart(key, Instant.now()));
    return id;
  }

  private Multipart mp(String key, String uploadId) throws IOException {
    Multipart m = multiparts.get(uploadId);
    if (m == null || !m.key.equals(key)) {
      throw new IOException("NoSuchUpload");
    }
    return m;
  }

  @Override
  public String uploadPart(String key, String uploadId, int number, byte[] data, int len)
      throws IOException {
    partUploads++;
    byte[] b = Arrays.copyOf(data, len);
    mp(key, uploadId).parts.put(number, b);
    return etag(b);
  }

  @Override
  public String copyPart(String key, String uploadId, int number, String sourceKey)
      throws IOException {
    if (!copyPartWorks) {
      throw new IOException("NotImplemented");
    }
    byte[] b = objects.get(sourceKey);
    mp(key, uploadId).parts.put(number, b);
    return etag(b);
  }

  @Override
  public void complete(String key, String uploadId, List<Part> parts) throws IOException {
    Multipart m = mp(key, uploadId);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (int i = 0; i < parts.size(); i++) {
      Part p = parts.get(i);
      byte[] b = m.parts.get(p.number());
      if (b == null || !etag(b).equals(p.etag()) || p.number() != i + 1) {
        throw new IOException("InvalidPart " + p.number());
      }
      if (i < parts.size() - 1 && b.length < PartSize.MIN_BYTES) {
        throw new IOException("EntityTooSmall");
      }
      out.write(b);
    }
    objects.put(key, out.toByteArray());
    multiparts.remove(uploadId);
  }

  @Override
  public void abort(String key, String uploadId) {
    multiparts.remove(uploadId);
  }

  @Override
  public List<Pending> pending(String prefix) {
    List<Pending> out = new ArrayList<>();
    multiparts.forEach((id, m) -> {
      if (m.key.startsWith(prefix)) {
        out.add(new Pending(m.key, id, m.initiated));
      }
    });
    return out;
  }

  @Override
  public void compose(String key, List<String> sources, String contentType) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String s : sources) {
      out.write(objects.get(s));
    }
    objects.put(key, out.toByteArray());
  }

  @Override
  public void put(String key, byte[] data, int len) {
    objects.put(key, Arrays.copyOf(data, len));
  }

  @Override
  public InputStream get(String key, long offset, long length) throws IOException {
    byte[] b = objects.get(key);
    if (b == null) {
      throw new NoSuchFileException(key);
    }
    return new ByteArrayInputStream(b, (int) offset, (int) length);
  }

  @Override
  public long size(String key) {
    byte[] b = objects.get(key);
    return b == null ? -1 : b.length;
  }

  @Override
  public List<Stored> list(String prefix) {
    List<Stored> out = new ArrayList<>();
    for (String k : objects.keySet()) {
      if (k.startsWith(prefix)) {
        out.add(new Stored(k, Instant.now().minusSeconds(60)));
      }
    }
    return out;
  }

  @Override
  public void delete(String key) {
    objects.remove(key);
  }
}
