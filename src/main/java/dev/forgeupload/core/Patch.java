package dev.forgeupload.core;

import java.util.function.Supplier;

/**
 * What a request that carries upload bytes (a PATCH, or a creation-with-upload at offset 0) says
 * besides its body, parsed once by the protocol layer.
 *
 * @param clientOffset the client's {@code Upload-Offset}
 * @param declaredLength a late {@code Upload-Length}, or null
 * @param contentLength the body's declared size, or null (chunked)
 * @param checksum the {@code Upload-Checksum} header, or null
 * @param trailerExpected the client announced an {@code Upload-Checksum} trailer
 * @param trailerChecksum reads that trailer once the body is consumed (null when none can come)
 */
public record Patch(
    long clientOffset,
    Long declaredLength,
    Long contentLength,
    Checksum checksum,
    boolean trailerExpected,
    Supplier<String> trailerChecksum) {

  /** Whether a checksum covers the whole body (then it is kept whole or not at all). */
  boolean checksummed() {
    return checksum != null || trailerExpected;
  }
}
