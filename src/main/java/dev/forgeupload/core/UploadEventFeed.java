package dev.forgeupload.core;

import java.util.function.Consumer;

/**
 * Port: the receiving side of {@link UploadEvents}, every node's events (Redis pub/sub), each as
 * the JSON object text it was published as ({@code type}, {@code id}, {@code state}, {@code
 * offset}, {@code length}, {@code at}).
 */
public interface UploadEventFeed {
  /**
   * Hands every event published from now on to {@code listener}, in order, on one thread of the
   * feed's own, until the subscription is closed. A lost connection is retried by the feed;
   * events published meanwhile are lost (live views catch up from the API).
   */
  Subscription subscribe(Consumer<String> listener);

  /** An open subscription; closing it stops delivery. */
  interface Subscription extends AutoCloseable {
    @Override
    void close();
  }
}
