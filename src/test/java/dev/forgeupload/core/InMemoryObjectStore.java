package dev.forgeupload.core;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A fake {@link ObjectStore}: objects in a map, deletions recorded. */
final class InMemoryObjectStore implements ObjectStore {
  final Map<String, byte[]> objects = new ConcurrentHashMap<>();
  final List<String> deleted = java.util.Collections.synchronizedList(new ArrayList<>());

  @Override
  public void put(String key, InputStream in, long size, String contentType) throws IOException {
    objects.put(key, in.readAllBytes());
  }

  @Override
  public InputStream get(String key, long offset, long length) throws IOException {
    byte[] b = objects.get(key);
    if (b == null) {
      throw new IOException("no object " + key);
    }
    return new ByteArrayInputStream(b, (int) offset, (int) length);
  }

  @Override
  public void delete(String key) {
    deleted.add(key);
    objects.remove(key);
  }

  @Override
  public boolean isReachable() {
    return true;
  }
}
