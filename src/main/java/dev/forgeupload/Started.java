package dev.forgeupload;

import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a mode started, stopped in the reverse order: also when start-up fails half-way (an
 * embedded PostgreSQL must not outlive us). A stop that fails is logged; the rest still stop.
 */
final class Started implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Started.class);

  private final Deque<AutoCloseable> resources = new ArrayDeque<>();

  /** Remembers {@code resource} to be closed before everything added earlier. */
  <T extends AutoCloseable> T add(T resource) {
    resources.push(resource);
    return resource;
  }

  @Override
  public void close() {
    while (!resources.isEmpty()) {
      AutoCloseable c = resources.pop();
      try {
        c.close();
      } catch (Exception e) {
        log.warn("StopFailed {} error={}", c.getClass().getSimpleName(), e.toString());
      }
    }
  }
}
