package dev.forgeupload.core;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
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
          "application/x-bat", // @echo off / rem batch files
          "application/x-ms-installer"); // .msi/.msp/.mst: by name or type only (OLE2 bytes)

  /** What an empty upload, and every partial upload, is stored and served as. */
  public static final String OCTET_STREAM = MediaType.OCTET_STREAM.toString();

  /**
   * Extensions that Windows or macOS run (or hand to a shell) on a double click and that Tika's
   * name patterns do not know, as the type they run as; together with Tika's patterns (.exe,
   * .dll, .com, .bat, .cmd, .sh, .bash, .msi) they say when a filename claims a denied type.
   */
  private static final Map<String, String> RUNNABLE_EXTENSIONS =
      Map.ofEntries(
          Map.entry("scr", "application/x-msdownload"), // screen saver: a PE
          Map.entry("pif", "application/x-msdownload"), // run as a program by Windows
          Map.entry("cpl", "application/x-msdownload"), // control panel item: a PE
          Map.entry("so", "application/x-sharedlib"),
          Map.entry("dylib", "application/x-mach-o-dylib"),
          Map.entry("command", "application/x-sh"), // macOS Terminal runs it on a double click
          Map.entry("zsh", "application/x-sh"),
          Map.entry("ksh", "application/x-sh"),
          Map.entry("csh", "application/x-sh"), // Tika: application/x-csh, a type of its own
          Map.entry("tcsh", "application/x-sh"));

  private static final MediaType BATCH = MediaType.parse("application/x-bat");
  /** Tika's type for a bare "MZ" (two bytes): a real PE is detected with its format. */
  private static final MediaType BARE_MZ = MediaType.parse("application/x-msdownload");
  private static final Accepted EMPTY = new Accepted("empty", OCTET_STREAM);
  private static final Accepted PART = new Accepted("part", OCTET_STREAM);

  private static final MimeTypes TYPES = MimeTypes.getDefaultMimeTypes();
  private static final MediaTypeRegistry REGISTRY = TYPES.getMediaTypeRegistry();
  private static final Pattern PATTERN =
      Pattern.compile("[a-z0-9][a-z0-9!#$&^_.+-]*/([a-z0-9!#$&^_.+-]+\\*?|\\*)");

  private final List<String> denied;
  private final List<String> allowed;
  private final Map<String, Long> maxBytes;
  /** The denied types Tika knows by magic, with their specializations (for the quick check). */
  private final List<MimeType> deniedByMagic;
  /** Those of them that are text (scripts): matched again after a BOM or leading whitespace. */
  private final List<MimeType> deniedTextByMagic;
  private final boolean batchDenied;

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
    this.deniedTextByMagic =
        byMagic.stream().filter(m -> isText(m.getType())).toList();
    this.batchDenied = matchesAny(BATCH, this.denied);
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
    MediaType script = paddedScript(head, n);
    if (script != null) {
      return notAccepted(script);
    }
    Decision quick = quickCheck(head, length, claim, declaredLength);
    if (quick != null) {
      return quick;
    }
    MediaType detected = detect(head, length);
    String detectedName = detected.getBaseType().toString();
    MediaType claimed = claimedType(claim);
    if (claimed != null && checkable(claimed) && !compatible(claimed, detected)) {
      return new Rejected(
          Problem.CONTENT_REJECTED,
          "content is " + detectedName + ", not " + claimed.getBaseType() + " as claimed");
    }
    if (matchesAny(detected, denied)) {
      return notAccepted(detected);
    }
    if (!allowed.isEmpty() && !matchesAny(detected, allowed)) {
      return new Rejected(
          Problem.CONTENT_REJECTED,
          "content is " + detectedName + ", which is not among the allowed types");
    }
    Long limit = limitFor(detected);
    if (limit != null && declaredLength != null && declaredLength > limit) {
      return new Rejected(
          Problem.CONTENT_TOO_LARGE,
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

  private static Rejected notAccepted(MediaType type) {
    return new Rejected(
        Problem.CONTENT_REJECTED,
        "content is " + type.getBaseType() + ", which is not accepted here");
  }

  /**
   * A claim of a denied type is refused whatever the bytes turn out to be (also with no bytes at
   * all): the metadata type, or the type the filename's extension stands for (Tika's name
   * patterns and {@link #RUNNABLE_EXTENSIONS}), either one. Empty when the claim may stand.
   */
  public Optional<Rejected> checkClaim(Claim claim) {
    if (claim == null) {
      return Optional.empty();
    }
    MediaType type = parseType(claim.type());
    if (type != null && matchesAny(type, denied)) {
      return Optional.of(
          new Rejected(
              Problem.CONTENT_REJECTED,
              "the claimed type " + type + " is not accepted here"));
    }
    String name = claim.filename() == null ? null : runnableName(claim.filename());
    if (name == null) {
      return Optional.empty();
    }
    for (MediaType t : typesOfName(name)) {
      if (matchesAny(t, denied)) {
        String ext = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        return Optional.of(
            new Rejected(
                Problem.CONTENT_REJECTED,
                "files named *." + ext + " (" + t.getBaseType() + ") are not accepted here"));
      }
    }
    return Optional.empty();
  }

  /**
   * The name as a desktop would see it: Windows drops trailing dots and spaces ("x.exe. " is
   * x.exe). Null without an extension.
   */
  private static String runnableName(String filename) {
    String name = filename.replaceAll("[.\\s]+$", "");
    int dot = name.lastIndexOf('.');
    return dot < 0 || dot == name.length() - 1 ? null : name;
  }

  private static List<MediaType> typesOfName(String name) {
    List<MediaType> out = new ArrayList<>(2);
    Metadata m = new Metadata();
    m.set(TikaCoreProperties.RESOURCE_NAME_KEY, name);
    try {
      MediaType t = TYPES.detect(null, m);
      if (!t.equals(MediaType.OCTET_STREAM)) {
        out.add(REGISTRY.normalize(t.getBaseType()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String ext = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
    String extra = RUNNABLE_EXTENSIONS.get(ext);
    if (extra != null) {
      out.add(MediaType.parse(extra));
    }
    return out;
  }

  /**
   * A denied script that Tika's magic (which looks at offset 0 only) misses: its magic behind a
   * UTF-8 byte-order mark or leading whitespace, which no shell minds ({@code sh x} runs it, and
   * a BOM before {@code #!} is just an odd first command), and batch starts Tika does not know
   * ({@code @echo ...}, {@code echo off}, {@code @rem}). Null when there is none.
   */
  private MediaType paddedScript(byte[] head, int n) {
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
    if (n == 0) {
      return PART;
    }
    byte[] bytes = n == head.length ? head : Arrays.copyOf(head, n);
    boolean any = false;
    for (MimeType m : deniedByMagic) {
      if (m.matchesMagic(bytes)) {
        any = true;
        break;
      }
    }
    if (!any) {
      return PART;
    }
    MediaType detected = detect(head, n);
    if (matchesAny(detected, denied) && !isText(detected) && !detected.equals(BARE_MZ)) {
      return new Rejected(
          Problem.CONTENT_REJECTED,
          "part content is " + detected.getBaseType() + ", which is not accepted here");
    }
    return PART;
  }

  private static boolean isText(MediaType t) {
    MediaType base = t.getBaseType();
    return base.equals(MediaType.TEXT_PLAIN)
        || REGISTRY.isSpecializationOf(base, MediaType.TEXT_PLAIN);
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
              Problem.CONTENT_TOO_LARGE,
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
    MediaType type = parseType(claim.type());
    if (type != null) {
      return type;
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

  /** A claimed type, normalized (Tika's aliases), without parameters; null if unparseable. */
  private static MediaType parseType(String type) {
    if (type == null) {
      return null;
    }
    MediaType t = MediaType.parse(type.strip().toLowerCase(Locale.ROOT));
    return t == null ? null : REGISTRY.normalize(t.getBaseType());
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
