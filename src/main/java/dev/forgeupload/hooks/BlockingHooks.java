package dev.forgeupload.hooks;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.forgeupload.core.HookOutbox;
import dev.forgeupload.core.HookRejection;
import dev.forgeupload.core.HookType;
import dev.forgeupload.core.Metadata;
import dev.forgeupload.core.NewUpload;
import dev.forgeupload.core.Problem;
import dev.forgeupload.core.Upload;
import dev.forgeupload.core.UploadException;
import dev.forgeupload.core.UploadHooks;
import dev.forgeupload.core.UploadIds;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.UUID;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link UploadHooks} over HTTP: pre-create, pre-finish and pre-terminate are sent while the
 * request waits, and their answers applied as tusd applies them; the request behind each change
 * is recorded for the notifications; PATCH bodies are watched for post-receive's StopUpload.
 * A hook that fails (no answer in time, not 2xx, not a hook response) refuses the request with
 * 503 and the reason, or with {@code FORGE_HOOKS_FAIL=allow} is treated as an empty answer.
 */
final class BlockingHooks implements UploadHooks {
  private static final Logger log = LoggerFactory.getLogger(BlockingHooks.class);

  private final HookSettings settings;
  private final HookClient client;
  private final HookOutbox outbox;
  private final Stops stops;
  private final HookMetrics metrics;
  /** Whether an upload id is taken (a ChangeFileInfo.ID must be new). */
  private final Predicate<UUID> taken;

  BlockingHooks(HookSettings settings, HookClient client, HookOutbox outbox, Stops stops,
      HookMetrics metrics, Predicate<UUID> taken) {
    this.settings = settings;
    this.client = client;
    this.outbox = outbox;
    this.stops = stops;
    this.metrics = metrics;
    this.taken = taken;
  }

  @Override
  public boolean enabled() {
    return true;
  }

  @Override
  public Creation beforeCreate(Request request, NewUpload n) {
    HookJson.Subject subject =
        new HookJson.Subject("", n.length(), 0, n.metadata(), n.kind(), n.concatParts(), null,
            null);
    HookResponse r = call(HookType.PRE_CREATE, subject, request);
    if (r.rejectUpload()) {
      throw new HookRejection(refusal(r.reply(), "upload creation has been rejected by server"));
    }
    NewUpload changed;
    try {
      changed = apply(n, r);
    } catch (HookResponse.Invalid e) {
      return new Creation(n, failed(HookType.PRE_CREATE, e.getMessage()).reply());
    }
    return new Creation(changed, r.reply());
  }

  /** ChangeFileInfo: a new id (a free upload id) and new metadata (within the metadata limit). */
  private NewUpload apply(NewUpload n, HookResponse r) throws HookResponse.Invalid {
    UUID id = n.id();
    if (r.changeId() != null && !r.changeId().isEmpty()) {
      id = UploadIds.parse(r.changeId())
          .orElseThrow(() -> new HookResponse.Invalid("ChangeFileInfo.ID is not an upload id "
              + "(a lower-case UUID)"));
      if (taken.test(id)) {
        throw new HookResponse.Invalid("ChangeFileInfo.ID names an upload that exists");
      }
    }
    Map<String, String> metadata = n.metadata();
    String header = n.metadataHeader();
    if (r.changeMetadata() != null) {
      for (String key : r.changeMetadata().keySet()) {
        if (!Metadata.validKey(key)) {
          throw new HookResponse.Invalid("ChangeFileInfo.MetaData has a key tus cannot carry");
        }
      }
      metadata = Map.copyOf(r.changeMetadata());
      header = Metadata.header(r.changeMetadata());
      if (header != null
          && header.getBytes(StandardCharsets.UTF_8).length > settings.maxMetadataBytes()) {
        throw new HookResponse.Invalid("ChangeFileInfo.MetaData is larger than "
            + settings.maxMetadataBytes() + " bytes as Upload-Metadata");
      }
    }
    if (id.equals(n.id()) && metadata == n.metadata()) {
      return n;
    }
    return new NewUpload(id, n.owner(), n.length(), n.kind(), n.concatParts(), metadata, header,
        n.creatorAddress(), n.expiresAt());
  }

  @Override
  public Reply beforeFinish(Request request, Upload u) {
    if (!settings.sends(HookType.PRE_FINISH)) {
      return Reply.NONE;
    }
    try {
      return call(HookType.PRE_FINISH, subject(u), request).reply();
    } finally {
      releaseFinish(u);
    }
  }

  private void releaseFinish(Upload u) {
    try {
      outbox.releaseFinish(u.id());
    } catch (RuntimeException e) {
      log.warn("HookFinishNotReleased id={} error={} (post-finish goes when its hold ends)",
          u.id(), e.toString());
    }
  }

  @Override
  public Reply beforeTerminate(Request request, Upload u) {
    HookResponse r = call(HookType.PRE_TERMINATE, subject(u), request);
    if (r.rejectTermination()) {
      throw new HookRejection(
          refusal(r.reply(), "upload termination has been rejected by server"));
    }
    return r.reply();
  }

  @Override
  public void changing(Request request, UUID id) {
    if (!settings.notifies()) {
      return;
    }
    try {
      outbox.recordRequest(id, request.method(),
          HookJson.request(request, settings.forwardHeaders()).toString());
    } catch (RuntimeException e) {
      // the change itself goes on; its events then carry no request
      log.warn("HookRequestNotRecorded id={} error={}", id, e.toString());
    }
  }

  @Override
  public InputStream watch(UUID id, InputStream body) {
    return settings.sends(HookType.POST_RECEIVE) ? stops.watch(id, body)
        : UploadHooks.NONE.watch(id, body);
  }

  static HookJson.Subject subject(Upload u) {
    return new HookJson.Subject(u.id().toString(), u.length(), u.offset(), u.metadata(),
        u.kind(), u.concatParts(), u.storageKey(), u.sha256());
  }

  /** Sends a blocking hook; a failure is the policy's: an exception (reject) or no answer. */
  private HookResponse call(HookType type, HookJson.Subject subject, Request request) {
    if (!settings.sends(type)) {
      return HookResponse.EMPTY;
    }
    ObjectNode httpRequest = HookJson.request(request, settings.forwardHeaders());
    byte[] body = HookJson.hookRequest(type, subject, settings.bucket(), httpRequest);
    metrics.invoked(type);
    HookClient.Answer a = client.post(UUID.randomUUID().toString(), body,
        HookJson.forwarded(httpRequest, settings.forwardHeaders()));
    if (!a.ok()) {
      return failed(type, a.reason());
    }
    try {
      return HookResponse.parse(a.body());
    } catch (HookResponse.Invalid e) {
      return failed(type, e.getMessage());
    }
  }

  private HookResponse failed(HookType type, String reason) {
    metrics.failed(type);
    log.warn("HookFailed type={} reason={} policy={}", type.wireName(), reason,
        settings.failReject() ? "reject" : "allow");
    if (settings.failReject()) {
      throw new UploadException(Problem.HOOK_FAILED,
          "the " + type.wireName() + " hook failed: " + reason);
    }
    return HookResponse.EMPTY;
  }

  /** tusd's refusal: the hook's status if it is a 4xx (else 400), its body or tusd's message. */
  static Reply refusal(Reply hook, String defaultBody) {
    int status = hook.status() >= 400 && hook.status() <= 499 ? hook.status() : 400;
    String body = hook.body() == null || hook.body().isEmpty() ? defaultBody : hook.body();
    return new Reply(status, body, hook.headers());
  }
}
