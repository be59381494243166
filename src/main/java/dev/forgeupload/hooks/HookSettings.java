package dev.forgeupload.hooks;

import dev.forgeupload.core.HookType;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * How hooks are sent: the receiver and key, the events, post-receive's spacing, a call's timeout,
 * whether a failed blocking hook refuses the request, which request headers are forwarded (and
 * kept in the events although they are credentials), how long a notification is retried, the
 * largest metadata a hook may set, and the bucket {@code post-store}'s Storage names.
 */
public record HookSettings(
    URI url,
    byte[] key,
    Set<HookType> events,
    Duration progressInterval,
    Duration timeout,
    boolean failReject,
    List<String> forwardHeaders,
    Duration retryWindow,
    int maxMetadataBytes,
    String bucket) {

  boolean sends(HookType type) {
    return events.contains(type);
  }

  /** Whether any notification is sent (then requests are recorded for them). */
  boolean notifies() {
    return events.stream().anyMatch(t -> !t.blocking());
  }
}
