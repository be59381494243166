package dev.forgeupload.core;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Port: tusd's hooks around the tus requests. The blocking ones ({@code pre-*}) run here, in the
 * request, and may refuse it ({@link HookRejection}, the hook's 4xx) or change what is created or
 * answered; the notifications ({@code post-*}) are written by the database with the change they
 * describe, and {@link #changing} tells it which request that change comes from. The protocol
 * layer calls this; the hooks package implements it (HTTP, signing, the outbox).
 */
public interface UploadHooks {

  /** The HTTP request a hook describes (tusd's {@code HTTPRequest}), every header as received. */
  record Request(String method, String uri, String remoteAddr, Map<String, List<String>> headers) {}

  /**
   * What a hook makes of the response (tusd's {@code HTTPResponse}): headers to add, and a status
   * and body (0 and null: unchanged).
   */
  record Reply(int status, String body, Map<String, String> headers) {
    public static final Reply NONE = new Reply(0, null, Map.of());

    /** This reply with {@code later}'s values over it (tusd's MergeWith). */
    public Reply then(Reply later) {
      if (later == null || later == NONE) {
        return this;
      }
      Map<String, String> h = new LinkedHashMap<>(headers);
      h.putAll(later.headers);
      return new Reply(later.status != 0 ? later.status : status,
          later.body != null && !later.body.isEmpty() ? later.body : body, Map.copyOf(h));
    }
  }

  /** pre-create's outcome: the upload to create (ChangeFileInfo applied) and the reply. */
  record Creation(NewUpload upload, Reply reply) {}

  /**
   * Thrown (as the cause of a {@link BodyReadException}) by a watched body whose upload a
   * post-receive hook stopped ({@code StopUpload}); the upload is to be terminated and the
   * client answered with {@link #reply}.
   */
  final class Stopped extends IOException {
    private final transient Reply reply;

    public Stopped(Reply reply) {
      super("the upload was stopped by a post-receive hook");
      this.reply = reply;
    }

    public Reply reply() {
      return reply;
    }
  }

  /** False when no hook is configured: callers then skip building {@link Request}s. */
  boolean enabled();

  /**
   * pre-create, before anything is stored. Throws {@link HookRejection} when the hook refuses
   * ({@code RejectUpload}), or an {@link UploadException} (503) when it failed and failures reject.
   */
  Creation beforeCreate(Request request, NewUpload upload);

  /** pre-finish: the last byte is in, the response not yet sent. */
  Reply beforeFinish(Request request, Upload upload);

  /** pre-terminate: {@link HookRejection} when the hook refuses ({@code RejectTermination}). */
  Reply beforeTerminate(Request request, Upload upload);

  /** The request about to change upload {@code id}: what its notifications report. */
  void changing(Request request, UUID id);

  /**
   * The body of a PATCH on {@code id}, as a stream a post-receive hook can stop. Closing it ends
   * the watch; the body itself stays open.
   */
  InputStream watch(UUID id, InputStream body);

  UploadHooks NONE =
      new UploadHooks() {
        @Override
        public boolean enabled() {
          return false;
        }

        @Override
        public Creation beforeCreate(Request request, NewUpload upload) {
          return new Creation(upload, Reply.NONE);
        }

        @Override
        public Reply beforeFinish(Request request, Upload upload) {
          return Reply.NONE;
        }

        @Override
        public Reply beforeTerminate(Request request, Upload upload) {
          return Reply.NONE;
        }

        @Override
        public void changing(Request request, UUID id) {}

        @Override
        public InputStream watch(UUID id, InputStream body) {
          return new FilterInputStream(body) {
            @Override
            public void close() {}
          };
        }
      };
}
