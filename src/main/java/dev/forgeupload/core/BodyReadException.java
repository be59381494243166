package dev.forgeupload.core;

import java.io.IOException;

/** Reading the request body failed: the client went away, or stalled past the read timeout. */
public final class BodyReadException extends IOException {
  public BodyReadException(IOException cause) {
    super(cause.toString(), cause);
  }
}
