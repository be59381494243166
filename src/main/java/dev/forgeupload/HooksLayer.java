package dev.forgeupload;

import dev.forgeupload.config.Config;
import dev.forgeupload.config.HooksConfig;
import dev.forgeupload.core.UploadHooks;
import dev.forgeupload.db.JooqHookOutbox;
import dev.forgeupload.hooks.HookSettings;
import dev.forgeupload.hooks.Hooks;
import java.time.Duration;
import java.util.Set;

/**
 * The hooks of a process on the backends: with {@code FORGE_HOOKS_HTTP_URL}, the blocking hooks
 * for the tus endpoint and the delivery of notifications (server and worker mode alike). The
 * server's configuration decides which notifications the database writes: none without hooks.
 */
final class HooksLayer {
  private HooksLayer() {}

  static UploadHooks start(Config config, Backends b, boolean server, Started started) {
    HooksConfig h = config.hooks();
    JooqHookOutbox outbox = new JooqHookOutbox(b.db().dsl());
    if (!h.enabled()) {
      if (server) {
        outbox.configure(Set.of(), h.progressInterval(), Duration.ZERO);
      }
      return UploadHooks.NONE;
    }
    HookSettings settings =
        new HookSettings(
            h.url(), h.secretKey(), h.events(), h.progressInterval(), h.timeout(),
            h.failReject(), h.forwardHeaders(), h.retryWindow(),
            config.limits().maxMetadataBytes(), config.services().s3Bucket());
    Hooks hooks =
        started.add(
            Hooks.start(settings, outbox, id -> b.repo().find(id).isPresent(),
                b.metrics().registry(), server));
    return hooks.uploadHooks();
  }
}
