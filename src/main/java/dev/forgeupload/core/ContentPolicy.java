package dev.forgeupload.core;

import static dev.forgeupload.core.TypePatterns.REGISTRY;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.tika.mime.MediaType;

/**
 * Decides from an upload's first bytes whether it may be kept: Tika's magic detection on at most
 * {@link #SNIFF_BYTES} ({@link ContentDetector}), never the client's name or type, says what the
 * content is; then the claim ({@link TypeClaims}) must agree with it, the type must not be denied
 * (and must be allowed, when an allow-list is set), and a known length must fit the type's size
 * limit. Pure: no I/O besides reading the bytes given.
 *
 * <p>The lists are {@link TypePatterns}: {@code type/subtype}, {@code type/*} or {@code
 * type/prefix*}, matching a type's Tika supertypes too.
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
          "application/x-bat", // @echo off / rem batch files
          "application/x-ms-installer"); // .msi/.msp/.mst: by name or type only (OLE2 bytes)

  /** What an empty upload, and every partial upload, is stored and served as. */
  public static final String OCTET_STREAM = MediaType.OCTET_STREAM.toString();

  /** Tika's type for a bare "MZ" (two bytes): a real PE is detected with its format. */
  private static final MediaType BARE_MZ = MediaType.parse("application/x-msdownload");
  private static final Accepted EMPTY = new Accepted("empty", OCTET_STREAM);
  private static final Accepted PART = new Accepted("part", OCTET_STREAM);

  private final List<String> denied;
  private final List<String> allowed;
  private final Map<String, Long> maxBytes;
  private final ContentDetector detector;

  /** An empty {@code allowed} list allows every type that is not denied. */
  public ContentPolicy(List<String> denied, List<String> allowed, Map<String, Long> maxBytes) {
    this.denied = List.copyOf(denied);
    this.allowed = List.copyOf(allowed);
    this.maxBytes = Collections.unmodifiableMap(new LinkedHashMap<>(maxBytes));
    for (String p : this.denied) {
      TypePatterns.checkPattern(p);
    }
    for (String p : this.allowed) {
      TypePatterns.checkPattern(p);
    }
    this.maxBytes.forEach((p, n) -> {
      TypePatterns.checkPattern(p);
      if (n == null || n < 0) {
        throw new IllegalArgumentException("limit for '" + p + "' must be a non-negative integer");
      }
    });
    this.detector = new ContentDetector(this.denied);
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
  public record Rejected(Problem problem, String reason) implements Decision {
    public UploadException toException() {
      return new UploadException(problem, reason);
    }

    public int status() {
      return problem.status();
    }

    public String code() {
      return problem.code();
    }
  }

  /**
   * Checks the first {@code length} bytes of {@code head} (all of the upload if it is shorter than
   * {@link #SNIFF_BYTES}). {@code declaredLength} is the upload's length when known.
   */
  public Decision check(byte[] head, int length, Claim claim, Long declaredLength) {
    Optional<Rejected> refused = checkClaim(claim);
    if (refused.isPresent()) {
      return refused.get();
    }
    int n = Math.min(length, SNIFF_BYTES);
    if (n == 0) {
      return EMPTY; // no byte confirms any claim: stored and served as octet-stream
    }
    MediaType script = detector.paddedScript(head, n);
    if (script != null) {
      return notAccepted(script);
    }
    Decision quick = quickCheck(head, length, claim, declaredLength);
    if (quick != null) {
      return quick;
    }
    return fullCheck(detect(head, length), TypeClaims.claimedType(claim), declaredLength);
  }

  /** The decision on the detected type: claim, deny list, allow-list, size limit. */
  private Decision fullCheck(MediaType detected, MediaType claimed, Long declaredLength) {
    String detectedName = detected.getBaseType().toString();
    if (claimed != null && ContentDetector.checkable(claimed)
        && !ContentDetector.compatible(claimed, detected)) {
      return new Rejected(
          Problem.CONTENT_REJECTED,
          "content is " + detectedName + ", not " + claimed.getBaseType() + " as claimed");
    }
    if (TypePatterns.matchesAny(detected, denied)) {
      return notAccepted(detected);
    }
    if (!allowed.isEmpty() && !TypePatterns.matchesAny(detected, allowed)) {
      return new Rejected(
          Problem.CONTENT_REJECTED,
          "content is " + detectedName + ", which is not among the allowed types");
    }
    Long limit = limitFor(detected);
    if (limit != null && declaredLength != null && declaredLength > limit) {
      return tooLarge(detected, declaredLength, limit);
    }
    String stored =
        claimed != null
                && !detected.equals(MediaType.OCTET_STREAM)
                && REGISTRY.isSpecializationOf(claimed, detected.getBaseType())
            ? claimed.getBaseType().toString()
            : detectedName;
    return new Accepted(detectedName, stored);
  }

  private static Rejected notAccepted(MediaType type) {
    return new Rejected(
        Problem.CONTENT_REJECTED,
        "content is " + type.getBaseType() + ", which is not accepted here");
  }

  private static Rejected tooLarge(MediaType type, long length, long limit) {
    return new Rejected(
        Problem.CONTENT_TOO_LARGE,
        "content is " + type.getBaseType() + " of " + length + " bytes; the limit for it is "
            + limit + " bytes");
  }

  /**
   * A claim of a denied type is refused whatever the bytes turn out to be (also with no bytes at
   * all): the metadata type, or the type the filename's extension stands for, either one. Empty
   * when the claim may stand.
   */
  public Optional<Rejected> checkClaim(Claim claim) {
    return TypeClaims.deniedReason(claim, denied)
        .map(reason -> new Rejected(Problem.CONTENT_REJECTED, reason));
  }

  /**
   * The check of a partial upload's first bytes. A part is opaque bytes: it is stored and served
   * as octet-stream and never takes its claim; only its final upload is checked as a whole (and
   * a middle part has no magic of its own). So a part is only refused for a denied claim, or
   * when its bytes carry a denied type's signature that does not turn up at random at a part
   * boundary: not text (scripts: "rem " starts a word in any text, "#!/" a line in Markdown),
   * and not a bare "MZ", two bytes that start one part in 65536 of any compressed data; a PE
   * with its header, ELF and Mach-O (4 fixed bytes and more) are refused. The allow-list and
   * size limits apply to the final, whose type is known.
   */
  public Decision checkPart(byte[] head, int length, Claim claim) {
    Optional<Rejected> refused = checkClaim(claim);
    if (refused.isPresent()) {
      return refused.get();
    }
    int n = Math.min(length, SNIFF_BYTES);
    if (n == 0 || !detector.anyDeniedMagic(firstBytes(head, n))) {
      return PART;
    }
    MediaType detected = detect(head, n);
    if (TypePatterns.matchesAny(detected, denied) && !TypePatterns.isText(detected)
        && !detected.equals(BARE_MZ)) {
      return new Rejected(
          Problem.CONTENT_REJECTED,
          "part content is " + detected.getBaseType() + ", which is not accepted here");
    }
    return PART;
  }

  private static byte[] firstBytes(byte[] head, int n) {
    return n == head.length ? head : Arrays.copyOf(head, n);
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
    byte[] bytes = firstBytes(head, Math.min(length, SNIFF_BYTES));
    if (detector.anyDeniedMagic(bytes)) {
      return null;
    }
    MediaType claimed = TypeClaims.claimedType(claim);
    if (claimed == null || claimed.equals(MediaType.OCTET_STREAM)) {
      if (declaredLength != null && declaredLength >= FULL_DETECTION_MIN_BYTES) {
        return null; // a large upload: the full detection costs nothing next to its bytes
      }
      return new Accepted("unchecked", claimed == null ? null : OCTET_STREAM);
    }
    if (ContentDetector.checkable(claimed) && ContentDetector.confirms(claimed, bytes)) {
      String type = claimed.getBaseType().toString();
      return new Accepted(type, type);
    }
    return null;
  }

  /** The size limit check alone, for a length declared after the content was checked. */
  public Optional<Rejected> checkLength(String contentType, long length) {
    MediaType t = MediaType.parse(contentType);
    Long limit = t == null ? null : limitFor(REGISTRY.normalize(t));
    if (limit != null && length > limit) {
      return Optional.of(tooLarge(t, length, limit));
    }
    return Optional.empty();
  }

  /** What the bytes are, by magic alone (text/plain for text without magic, else octet-stream). */
  public static MediaType detect(byte[] head, int length) {
    return ContentDetector.detect(head, length);
  }

  /**
   * The size limit for a type: walking from the type up its supertypes, the first one named
   * exactly wins, then the longest matching wildcard pattern.
   */
  Long limitFor(MediaType type) {
    return TypePatterns.limitFor(maxBytes, type);
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
