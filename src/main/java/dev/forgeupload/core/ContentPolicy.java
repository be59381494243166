package dev.forgeupload.core;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.metadata.TikaCoreProperties;
import org.apache.tika.mime.MediaType;
import org.apache.tika.mime.MediaTypeRegistry;
import org.apache.tika.mime.MimeType;
import org.apache.tika.mime.MimeTypeException;
import org.apache.tika.mime.MimeTypes;

/**
 * Decides from an upload's first bytes whether it may be kept: Tika's magic detection on at most
 * {@link #SNIFF_BYTES}, never the client's name or type, says what the content is; then the claim
 * must agree with it, the type must not be denied (and must be allowed, when an allow-list is
 * set), and a known length must fit the type's size limit. Pure: no I/O besides reading the bytes
 * given.
 *
 * <p>Type patterns are {@code type/subtype}, {@code type/*} or {@code type/prefix*}; a detected
 * type matches a pattern when it or one of its Tika supertypes does (so {@code
 * application/x-msdownload} covers {@code application/x-dosexec} and every PE variant).
 */
public final class ContentPolicy {
  /** How many leading bytes are examined (Tika's own magic read-ahead is the same 64 KiB). */
  public static final int SNIFF_BYTES = 64 * 1024;

  /**
   * Unclaimed uploads with a known length of at least this get the full detection, so they are
   * stored and served as what they are; smaller (or deferred) ones skip it, see {@code
   * quickCheck}.
   */
  static final long FULL_DETECTION_MIN_BYTES = 1L << 20;

  /**
   * Native executables and what runs them directly. Zip (and so jar/apk, which magic cannot tell
   * from zip), Office files (and so msi, an OLE2 file) and scripts of languages other than the
   * shells are not on it: blocking them would block ordinary documents and source files.
   */
  public static final List<String> DEFAULT_DENIED =
      List.of(
          "application/x-msdownload", // MZ: .exe, .dll, .com, every PE variant, x-dosexec
          "application/x-elf", // executables, shared objects, core dumps, objects
          "application/x-mach-o*", // every Mach-O kind, universal binaries included
          "application/x-sh", // #! scripts
          "application/x-bat"); // @echo off / rem batch files

  private static final MimeTypes TYPES = MimeTypes.getDefaultMimeTypes();
  private static final MediaTypeRegistry REGISTRY = TYPES.getMediaTypeRegistry();
  private static final Pattern PATTERN =
      Pattern.compile("[a-z0-9][a-z0-9!#$&^_.+-]*/([a-z0-9!#$&^_.+-]+\\*?|\\*)");

  private final List<String> denied;
  private final List<String> allowed;
  private final Map<String, Long> maxBytes;
  /** The denied types Tika knows by magic, with their specializations (for the quick check). */
  private final List<MimeType> deniedByMagic;

  /** An empty {@code allowed} list allows every type that is not denied. */
  public ContentPolicy(List<String> denied, List<String> allowed, Map<String, Long> maxBytes) {
    this.denied = List.copyOf(denied);
    this.allowed = List.copyOf(allowed);
    this.maxBytes = Collections.unmodifiableMap(new LinkedHashMap<>(maxBytes));
    for (String p : this.denied) {
      checkPattern(p);
    }
    for (String p : this.allowed) {
      checkPattern(p);
    }
    this.maxBytes.forEach((p, n) -> {
      checkPattern(p);
      if (n == null || n < 0) {
        throw new IllegalArgumentException("limit for '" + p + "' must be a non-negative integer");
      }
    });
    List<MimeType> byMagic = new ArrayList<>();
    for (MediaType t : REGISTRY.getTypes()) {
      if (matchesAny(t, this.denied)) {
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
  }

  public static ContentPolicy defaults() {
    return new ContentPolicy(DEFAULT_DENIED, List.of(), Map.of());
  }

  /** What the client says the upload is: its metadata type, and its filename. */
  public record Claim(String type, String filename) {}

  /** The outcome: {@link Accepted} or {@link Rejected}. */
  public sealed interface Decision permits Accepted, Rejected {}

  /**
   * The content may be kept. {@code detected} is what the bytes are; {@code contentType} is what
   * to store and serve: the claim when it is a specialization of what was detected (a CSV is
   * detected as text/plain), otherwise the detected type.
   */
  public record Accepted(String detected, String contentType) implements Decision {}

  /** The content is refused: HTTP status, stable code and a reason for people. */
  public record Rejected(int status, String code, String reason) implements Decision {
    public UploadException toException() {
      return new UploadException(status, code, reason);
    }
  }

  /**
   * Checks the first {@code length} bytes of {@code head} (all of the upload if it is shorter than
   * {@link #SNIFF_BYTES}). {@code declaredLength} is the upload's length when known.
   */
  public Decision check(byte[] head, int length, Claim claim, Long declaredLength) {
    Decision quick = quickCheck(head, length, claim, declaredLength);
    if (quick != null) {
      return quick;
    }
    MediaType detected = detect(head, length);
    String detectedName = detected.getBaseType().toString();
    MediaType claimed = claimedType(claim);
    if (claimed != null && checkable(claimed) && !compatible(claimed, detected)) {
      return new Rejected(
          415, "content_rejected",
          "content is " + detectedName + ", not " + claimed.getBaseType() + " as claimed");
    }
    if (matchesAny(detected, denied)) {
      return new Rejected(
          415, "content_rejected", "content is " + detectedName + ", which is not accepted here");
    }
    if (!allowed.isEmpty() && !matchesAny(detected, allowed)) {
      return new Rejected(
          415, "content_rejected",
          "content is " + detectedName + ", which is not among the allowed types");
    }
    Long limit = limitFor(detected);
    if (limit != null && declaredLength != null && declaredLength > limit) {
      return new Rejected(
          413, "content_too_large",
          "content is " + detectedName + " of " + declaredLength + " bytes; the limit for it is "
              + limit + " bytes");
    }
    String stored =
        claimed != null
                && !detected.equals(MediaType.OCTET_STREAM)
                && REGISTRY.isSpecializationOf(claimed, detected.getBaseType())
            ? claimed.getBaseType().toString()
            : detectedName;
    return new Accepted(detectedName, stored);
  }

  /**
   * The common cases without a full detection, which evaluates every magic pattern Tika knows
   * (measured: about 0.6 ms of CPU per upload, the largest cost of a small upload): no denied type
   * matches by its magic, and either the claim is confirmed by its own magic (stored as claimed)
   * or there is no claim on a small upload (stored as unknown, served as octet-stream: detecting
   * its type would cost more than storing it). Null when the full check
   * must decide: a denied magic matched, the claim is not confirmed or cannot be checked by magic,
   * or an allow-list or size limits need the exact type.
   */
  private Decision quickCheck(byte[] head, int length, Claim claim, Long declaredLength) {
    if (!allowed.isEmpty() || !maxBytes.isEmpty()) {
      return null;
    }
    int n = Math.min(length, SNIFF_BYTES);
    byte[] bytes = n == head.length ? head : java.util.Arrays.copyOf(head, n);
    for (MimeType m : deniedByMagic) {
      if (m.matchesMagic(bytes)) {
        return null;
      }
    }
    MediaType claimed = claimedType(claim);
    if (claimed == null || claimed.equals(MediaType.OCTET_STREAM)) {
      if (declaredLength != null && declaredLength >= FULL_DETECTION_MIN_BYTES) {
        return null; // a large upload: the full detection costs nothing next to its bytes
      }
      return new Accepted("unchecked", claimed == null ? null : MediaType.OCTET_STREAM.toString());
    }
    if (!checkable(claimed)) {
      return null;
    }
    try {
      MimeType m = TYPES.getRegisteredMimeType(claimed.toString());
      if (m != null && m.matchesMagic(bytes)) {
        String type = claimed.getBaseType().toString();
        return new Accepted(type, type);
      }
    } catch (MimeTypeException e) {
      return null;
    }
    return null;
  }

  /** The size limit check alone, for a length declared after the content was checked. */
  public java.util.Optional<Rejected> checkLength(String contentType, long length) {
    MediaType t = MediaType.parse(contentType);
    Long limit = t == null ? null : limitFor(REGISTRY.normalize(t));
    if (limit != null && length > limit) {
      return java.util.Optional.of(
          new Rejected(
              413, "content_too_large",
              "content is " + t.getBaseType() + " of " + length
                  + " bytes; the limit for it is " + limit + " bytes"));
    }
    return java.util.Optional.empty();
  }

  /** What the bytes are, by magic alone (text/plain for text without magic, else octet-stream). */
  public static MediaType detect(byte[] head, int length) {
    try {
      MediaType t =
          TYPES.detect(
              new ByteArrayInputStream(head, 0, Math.min(length, SNIFF_BYTES)), new Metadata());
      return REGISTRY.normalize(t);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a byte array does not fail
    }
  }

  /** The client's claim: its metadata type, else what the filename's extension says. */
  static MediaType claimedType(Claim claim) {
    if (claim == null) {
      return null;
    }
    if (claim.type() != null) {
      MediaType t = MediaType.parse(claim.type().strip().toLowerCase(Locale.ROOT));
      if (t != null) {
        return REGISTRY.normalize(t.getBaseType());
      }
    }
    if (claim.filename() != null && !claim.filename().isBlank()) {
      Metadata m = new Metadata();
      m.set(TikaCoreProperties.RESOURCE_NAME_KEY, claim.filename());
      try {
        MediaType t = TYPES.detect(null, m);
        return t.equals(MediaType.OCTET_STREAM) ? null : REGISTRY.normalize(t.getBaseType());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return null;
  }

  /**
   * Tika would recognise a real file of this type from its bytes. Not text/plain: its "magic" is
   * byte-order marks and comment starts, text is recognised by a heuristic that misses UTF-16
   * without a BOM and the like; a binary claimed as text is stored as octet-stream instead.
   */
  private static boolean checkable(MediaType type) {
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
  private static boolean compatible(MediaType claimed, MediaType detected) {
    MediaType d = detected.getBaseType();
    if (d.equals(claimed) || REGISTRY.isSpecializationOf(d, claimed)) {
      return true;
    }
    return !d.equals(MediaType.OCTET_STREAM) && REGISTRY.isSpecializationOf(claimed, d);
  }

  private static boolean matchesAny(MediaType type, List<String> patterns) {
    for (MediaType t = type; t != null; t = REGISTRY.getSupertype(t)) {
      String name = t.getBaseType().toString();
      for (String p : patterns) {
        if (matches(name, p)) {
          return true;
        }
      }
    }
    return false;
  }

  private static boolean matches(String type, String pattern) {
    if (pattern.endsWith("*")) {
      return type.startsWith(pattern.substring(0, pattern.length() - 1));
    }
    return type.equals(pattern);
  }

  /**
   * The size limit for a type: walking from the type up its supertypes, the first one named
   * exactly wins, then the longest matching wildcard pattern.
   */
  Long limitFor(MediaType type) {
    if (maxBytes.isEmpty()) {
      return null;
    }
    for (MediaType t = type; t != null; t = REGISTRY.getSupertype(t)) {
      String name = t.getBaseType().toString();
      Long exact = maxBytes.get(name);
      if (exact != null) {
        return exact;
      }
      String best = null;
      for (String p : maxBytes.keySet()) {
        if (p.endsWith("*") && matches(name, p) && (best == null || p.length() > best.length())) {
          best = p;
        }
      }
      if (best != null) {
        return maxBytes.get(best);
      }
    }
    return null;
  }

  // ---- configuration syntax

  private static void checkPattern(String p) {
    if (!PATTERN.matcher(p).matches()) {
      throw new IllegalArgumentException(
          "'" + p + "' is not a media type, type/* or type/prefix* pattern");
    }
  }

  /** Parses {@code a/b, c/*}; throws IllegalArgumentException with a reason. */
  public static List<String> parseTypes(String spec) {
    List<String> out = new ArrayList<>();
    for (String part : spec.split(",", -1)) {
      String p = part.strip().toLowerCase(Locale.ROOT);
      if (p.isEmpty()) {
        throw new IllegalArgumentException("has an empty entry");
      }
      checkPattern(p);
      out.add(p);
    }
    return out;
  }

  /** Parses {@code image/*=20971520,video/mp4=1073741824}; throws IllegalArgumentException. */
  public static Map<String, Long> parseLimits(String spec) {
    Map<String, Long> out = new LinkedHashMap<>();
    for (String part : spec.split(",", -1)) {
      int eq = part.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("entry '" + part.strip() + "' is not type=bytes");
      }
      String p = part.substring(0, eq).strip().toLowerCase(Locale.ROOT);
      checkPattern(p);
      long n;
      try {
        n = Long.parseLong(part.substring(eq + 1).strip());
      } catch (NumberFormatException e) {
        n = -1;
      }
      if (n < 0) {
        throw new IllegalArgumentException(
            "limit for '" + p + "' must be a non-negative integer of bytes");
      }
      if (out.put(p, n) != null) {
        throw new IllegalArgumentException("'" + p + "' is repeated");
      }
    }
    return out;
  }

  public List<String> denied() {
    return denied;
  }

  public List<String> allowed() {
    return allowed;
  }

  public Map<String, Long> maxBytes() {
    return maxBytes;
  }
}
