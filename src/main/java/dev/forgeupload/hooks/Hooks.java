package dev.forgeupload.hooks;

import dev.forgeupload.core.HookOutbox;
import dev.forgeupload.core.HookType;
import dev.forgeupload.core.UploadHooks;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.UUID;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP hooks in tusd's v2 format, signed the Standard Webhooks way: the blocking ones for the tus
 * endpoint ({@link #uploadHooks}) and the delivery of the outbox's notifications. One per
 * process; {@link #close} stops the deliveries (what is out is sent again by whoever claims it).
 */
public final class Hooks implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Hooks.class);
  /** Notifications sent at once by one process. */
  static final int CONCURRENCY = 4;

  private final BlockingHooks blocking;
  private final Stops stops;
  private final Dispatcher dispatcher;

  private Hooks(BlockingHooks blocking, Stops stops, Dispatcher dispatcher) {
    this.blocking = blocking;
    this.stops = stops;
    this.dispatcher = dispatcher;
  }

  /**
   * Starts delivering. {@code taken} tells whether an upload id exists; {@code server} makes this
   * process's event selection the one the database writes.
   */
  public static Hooks start(HookSettings settings, HookOutbox outbox, Predicate<UUID> taken,
      MeterRegistry registry, boolean server) {
    if (server) {
      // post-finish waits for pre-finish at most as long as a pre-finish may take, and a bit
      outbox.configure(settings.events(), settings.progressInterval(),
          settings.sends(HookType.PRE_FINISH) ? settings.timeout().plusSeconds(5) : Duration.ZERO);
    }
    HookClient client = new HookClient(settings.url(), new Signer(settings.key()),
        settings.timeout());
    HookMetrics metrics = new HookMetrics(registry);
    Stops stops = new Stops(outbox);
    Dispatcher dispatcher =
        new Dispatcher(settings, client, outbox, stops, metrics, CONCURRENCY);
    dispatcher.start();
    log.info("HooksStarted url_host={} events={} fail={}", settings.url().getHost(),
        settings.events().stream().map(HookType::wireName).toList(),
        settings.failReject() ? "reject" : "allow");
    return new Hooks(new BlockingHooks(settings, client, outbox, stops, metrics, taken), stops,
        dispatcher);
  }

  public UploadHooks uploadHooks() {
    return blocking;
  }

  @Override
  public void close() {
    dispatcher.close();
    stops.close();
  }
}
