package dev.forgeupload.core;

import static dev.forgeupload.core.TypePatterns.REGISTRY;
import static dev.forgeupload.core.TypePatterns.TYPES;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.mime.MediaType;
import org.apache.tika.mime.MimeType;
import org.apache.tika.mime.MimeTypeException;

/**
 * What an upload's first bytes are, by Tika's magic alone (never a name): the full detection,
 * whether the bytes confirm a claim, and the denied types' own magic matched alone (cheap: the
 * quick check and parts), also behind a byte-order mark or leading whitespace, where Tika, which
 * looks at offset 0 only, misses scripts.
 */
final class ContentDetector {
  private static final MediaType BATCH = MediaType.parse("application/x-bat");

  /** The denied types Tika knows by magic, with their specializations. */
  private final List<MimeType> deniedByMagic;
  /** Those of them that are text (scripts): matched again after a BOM or leading whitespace. */
  private final List<MimeType> deniedTextByMagic;
  private final boolean batchDenied;

  ContentDetector(List<String> denied) {
    List<MimeType> byMagic = new ArrayList<>();
    for (MediaType t : REGISTRY.getTypes()) {
      if (TypePatterns.matchesAny(t, denied)) {
        try {
          MimeType m = TYPES.getRegisteredMimeType(t.toString());
          if (m != null && m.hasMagic()) {
            byMagic.add(m);
          }
        } catch (MimeTypeException e) {
          // not a registered type: nothing to match
        }
      }
    }
    this.deniedByMagic = List.copyOf(byMagic);
    this.deniedTextByMagic =
        byMagic.stream().filter(m -> TypePatterns.isText(m.getType())).toList();
    this.batchDenied = TypePatterns.matchesAny(BATCH, denied);
  }

  /** What the bytes are, by magic alone (text/plain for text without magic, else octet-stream). */
  static MediaType detect(byte[] head, int length) {
    try {
      MediaType t =
          TYPES.detect(
              new ByteArrayInputStream(head, 0, Math.min(length, ContentPolicy.SNIFF_BYTES)),
              new Metadata());
      return REGISTRY.normalize(t);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array does not fail
    }
  }

  /** True when a denied type's own magic matches {@code bytes} (then the full check decides). */
  boolean anyDeniedMagic(byte[] bytes) {
    for (MimeType m : deniedByMagic) {
      if (m.matchesMagic(bytes)) {
        return true;
      }
    }
    return false;
  }

  /** The claimed type's own magic matches {@code bytes}. */
  static boolean confirms(MediaType claimed, byte[] bytes) {
    try {
      MimeType m = TYPES.getRegisteredMimeType(claimed.toString());
      return m != null && m.matchesMagic(bytes);
    } catch (MimeTypeException e) {
      return false;
    }
  }

  /**
   * Tika would recognise a real file of this type from its bytes. Not text/plain: its "magic" is
   * byte-order marks and comment starts, text is recognised by a heuristic that misses UTF-16
   * without a BOM and the like; a binary claimed as text is stored as octet-stream instead.
   */
  static boolean checkable(MediaType type) {
    if (type.equals(MediaType.TEXT_PLAIN)) {
      return false;
    }
    try {
      MimeType m = TYPES.getRegisteredMimeType(type.toString());
      return m != null && m.hasMagic();
    } catch (MimeTypeException e) {
      return false;
    }
  }

  /**
   * The detected type is the claimed one, a specialization of it (a docx for a zip), or a
   * generalization other than "some bytes" (text/plain for an HTML fragment, zip for a docx).
   */
  static boolean compatible(MediaType claimed, MediaType detected) {
    MediaType d = detected.getBaseType();
    if (d.equals(claimed) || REGISTRY.isSpecializationOf(d, claimed)) {
      return true;
    }
    return !d.equals(MediaType.OCTET_STREAM) && REGISTRY.isSpecializationOf(claimed, d);
  }

  /**
   * A denied script that Tika's magic (which looks at offset 0 only) misses: its magic behind a
   * UTF-8 byte-order mark or leading whitespace, which no shell minds ({@code sh x} runs it, and
   * a BOM before {@code #!} is just an odd first command), and batch starts Tika does not know
   * ({@code @echo ...}, {@code echo off}, {@code @rem}). Null when there is none.
   */
  MediaType paddedScript(byte[] head, int n) {
    int k = 0;
    if (n >= 3 && (head[0] & 0xff) == 0xef && (head[1] & 0xff) == 0xbb && (head[2] & 0xff) == 0xbf) {
      k = 3;
    }
    while (k < n && isBlank(head[k])) {
      k++;
    }
    if (k > 0 && k < n && !deniedTextByMagic.isEmpty()) {
      byte[] rest = Arrays.copyOfRange(head, k, n);
      for (MimeType m : deniedTextByMagic) {
        if (m.matchesMagic(rest)) {
          return m.getType();
        }
      }
    }
    if (batchDenied
        && (startsWord(head, k, n, "@echo")
            || startsWord(head, k, n, "echo off")
            || startsWord(head, k, n, "@rem"))) {
      return BATCH;
    }
    return null;
  }

  private static boolean isBlank(byte b) {
    return b == ' ' || b == '\t' || b == '\r' || b == '\n' || b == 0x0b || b == '\f';
  }

  /** {@code word} (ASCII, any case) at {@code at}, followed by the end or a non-letter. */
  private static boolean startsWord(byte[] head, int at, int n, String word) {
    if (n - at < word.length()) {
      return false;
    }
    for (int i = 0; i < word.length(); i++) {
      if (Character.toLowerCase((char) (head[at + i] & 0xff)) != word.charAt(i)) {
        return false;
      }
    }
    int next = at + word.length();
    return next == n || !Character.isLetterOrDigit((char) (head[next] & 0xff));
  }
}
