package dev.forgeupload.core;

/**
 * A blocking hook refused the request ({@code RejectUpload}, {@code RejectTermination}) or
 * stopped the upload ({@code StopUpload}): the client gets {@link #reply}, whose status is a 4xx.
 */
public final class HookRejection extends RuntimeException {
  private final transient UploadHooks.Reply reply;

  public HookRejection(UploadHooks.Reply reply) {
    super(reply.body(), null, false, false);
    if (reply.status() < 400 || reply.status() > 499) {
      throw new IllegalArgumentException("a hook rejection is a 4xx, not " + reply.status());
    }
    this.reply = reply;
  }

  public UploadHooks.Reply reply() {
    return reply;
  }
}
