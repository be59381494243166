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
  /** How many of the next {@link #get} calls fail (an object store that failed for a moment). */
  final java.util.concurrent.atomic.AtomicInteger failGets =
      new java.util.concurrent.atomic.AtomicInteger();

  @Override
  public void put(String key, InputStream in, long size, String contentType) throws IOException {
    objects.put(key, in.readAllBytes());
  }

  @Override
  public InputStream get(String key, long offset, long length) throws IOException {
    if (failGets.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
      throw new IOException("the object store failed this once");
    }
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
