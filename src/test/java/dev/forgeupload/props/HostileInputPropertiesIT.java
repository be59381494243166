package dev.forgeupload.props;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeupload.testing.Poll;
import dev.forgeupload.testing.Props;
import dev.forgeupload.testing.Props.Gen;
import dev.forgeupload.testing.RawHttp;
import dev.forgeupload.testing.RawHttp.Header;
import dev.forgeupload.testing.RawHttp.Response;
import dev.forgeupload.testing.TestData;
import dev.forgeupload.testing.TestServer;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Random and hostile tus headers, metadata and API parameters against a running server: never a
 * 5xx, never a hang (every read has {@link RawHttp}'s 10 s timeout); HEAD, the database and the
 * staged bytes agree afterwards; metadata cannot inject a response header. Seeded generators
 * ({@link Props}): explicit edge cases first, then the random tries; a failure prints the seed,
 * the try and the input.
 */
class HostileInputPropertiesIT {
  private static final long MAX = 100_000;
  private static final Pattern LOCATION =
      Pattern.compile("http://127\\.0\\.0\\.1:\\d+/files/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}");
  private static final String OCTET = "application/offset+octet-stream";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static TestServer server;
  private static RawHttp http;
  /** Paths (/files/<id>) of uploads the properties created. */
  private static final List<String> created = new CopyOnWriteArrayList<>();
  private static String finishedId;

  @BeforeAll
  static void start() {
    server =
        TestServer.start(
            Map.of(
                "FORGE_MAX_UPLOAD_BYTES", Long.toString(MAX),
                "FORGE_LOCK_WAIT_SECONDS", "1"));
    http = new RawHttp("127.0.0.1", server.port(), RawHttp.DEFAULT_TIMEOUT);
    String path = create(5, false, "filename " + b64("seed.txt"));
    Response r = patch(path, 0, "hello".getBytes(StandardCharsets.US_ASCII), List.of());
    assertThat(r.status()).as("%s", r).isEqualTo(204);
    finishedId = path.substring("/files/".length());
  }

  @AfterAll
  static void stop() throws Exception {
    try {
      assertWholeDatabaseConsistent();
    } finally {
      server.close();
    }
  }

  /** One request as sent: method, target, headers, body, and whether the client half-closes. */
  private static Response send(
      String method, String target, List<Header> headers, byte[] body, boolean cutShort) {
    RawHttp.Request r = http.request(method, target).headers(headers).body(body);
    if (cutShort) {
      r.halfClose();
    }
    return r.send();
  }

  // =============================================================== 1. POST /files/

  /** The headers of a creation request and its body. */
  record Creation(List<Header> headers, Body body) {}

  @TestFactory
  Stream<DynamicTest> creation_never_answers_5xx_nor_hangs() {
    return Props.forAll("creation", 250, creationEdges(),
        g -> new Creation(postHeaders(g), body(g)),
        c -> {
          List<Header> all = new ArrayList<>(resolve(c.headers()));
          all.addAll(c.body().headers());
          Response r = send("POST", "/files/", all, c.body().bytes(), c.body().cutShort());

          assertThat(r.status()).as("POST %s %s -> %s", all, c.body(), r).isLessThan(500);
          if (r.status() == -1) {
            assertThat(c.body().cutShort())
                .as("closed without an answer: %s %s", all, c.body()).isTrue();
          }
          if (r.status() == 201) {
            String location = r.header("Location");
            assertThat(location).as("%s", r).isNotNull().matches(LOCATION);
            String path = location.substring(location.indexOf("/files/"));
            created.add(path);
            assertUploadConsistent(path);
          }
        });
  }

  /**
   * The boundaries a random run hardly hits: empty, zero, the maximum and one past it, the
   * longest values, every body framing at its smallest and largest, headers missing.
   */
  private static List<Creation> creationEdges() {
    List<Creation> e = new ArrayList<>();
    Body none = body("none", 0, 0);
    List<String> lengths =
        List.of("0", "1", String.valueOf(MAX), String.valueOf(MAX + 1),
            String.valueOf(Long.MAX_VALUE), "9223372036854775808", "-1", "-0", "+5", "", " ",
            "0x10", "1e3", "00", "\u0661\u0662", "10, 20", "1\r\nX-Injected: 1");
    for (String l : lengths) {
      e.add(new Creation(List.of(tus(), text("Upload-Length", l)), none));
    }
    for (String d : List.of("1", "0", "2", "", " 1 ")) {
      e.add(new Creation(List.of(tus(), text("Upload-Defer-Length", d)), none));
    }
    e.add(new Creation(List.of(tus()), none)); // no length at all
    e.add(new Creation(List.of(text("Upload-Length", "5")), none)); // no Tus-Resumable
    e.add(new Creation(List.of(tus(), text("Upload-Length", "5"),
        text("Upload-Defer-Length", "1")), none));
    for (String m : List.of("", " ", ",", "filename", "filename ", "filename " + b64(""),
        "filename !!!!", "k,ey YQ==", "a b c",
        // 16,381 characters: just under FORGE_MAX_METADATA_BYTES, which HEAD must echo
        "filename " + b64("x".repeat(12_279)))) {
      e.add(new Creation(List.of(tus(), text("Upload-Length", "5"), text("Upload-Metadata", m)),
          none));
    }
    for (String v : Props.HOSTILE_STRINGS) {
      e.add(new Creation(List.of(tus(), text("Upload-Length", "3"),
          text("Upload-Metadata", "filename " + b64(v) + ",filetype " + b64(v))), none));
    }
    for (String c : List.of("partial", "final;", "final", "final;{EXISTING}",
        "final;{EXISTING} {EXISTING}", "final;/files/not-a-uuid")) {
      e.add(new Creation(List.of(tus(), text("Upload-Length", "5"), text("Upload-Concat", c)),
          none));
    }
    e.add(new Creation(List.of(tus(), text("Upload-Length", "5"),
        new Header("Upload-Metadata", "A".repeat(70_000).getBytes(StandardCharsets.US_ASCII))),
        none));
    e.add(new Creation(List.of(tus(), new Header("Upload-Length", new byte[] {0})), none));
    e.add(new Creation(List.of(tus(), new Header("Upload-Length", new byte[] {(byte) 0xff})),
        none));
    for (String kind : BODY_KINDS) {
      List<Header> h = List.of(tus(), text("Upload-Length", "3000"), text("Content-Type", OCTET));
      e.add(new Creation(h, body(kind, 0, 0)));
      e.add(new Creation(h, body(kind, 3000, 1000)));
      e.add(new Creation(h, body(kind, 1, 999)));
    }
    return e;
  }

  private static Header tus() {
    return Header.of("Tus-Resumable", "1.0.0");
  }

  private static Header text(String name, String value) {
    return Header.of(name, value);
  }

  private static List<Header> postHeaders(Gen g) {
    return g.bool() ? plausiblePostHeaders(g) : hostilePostHeaders(g);
  }

  /** Headers a tus client could send, with hostile decoded metadata: most reach the handler. */
  private static List<Header> plausiblePostHeaders(Gen g) {
    List<Header> h = new ArrayList<>();
    h.add(tus());
    h.add(g.frequency(
        Props.w(6, () -> text("Upload-Length", Long.toString(g.longs(0, 3000)))),
        Props.w(1, () -> text("Upload-Length", Long.toString(g.pick(MAX, MAX + 1)))),
        Props.just(2, text("Upload-Defer-Length", "1"))));
    g.optional(0.7, () -> text("Upload-Metadata", String.join(",", g.list(0, 4,
        () -> g.pick("filename", "filetype", "name", "type", "note") + " "
            + b64(decodedValue(g)))))).ifPresent(h::add);
    g.optional(0.2, () -> text("Upload-Concat",
        g.pick("partial", "final;{EXISTING}", "final;{EXISTING} {EXISTING}"))).ifPresent(h::add);
    g.optional(0.8, () -> text("Content-Type", OCTET)).ifPresent(h::add);
    return h;
  }

  private static List<Header> hostilePostHeaders(Gen g) {
    List<Header> l =
        new ArrayList<>(
            g.frequency(
                Props.w(5, () -> List.of(new Header("Upload-Length", uploadLength(g)))),
                Props.just(2, List.of(text("Upload-Defer-Length", "1"))),
                Props.w(1, () -> List.of(new Header("Upload-Length", uploadLength(g)),
                    new Header("Upload-Defer-Length", deferLength(g)))),
                Props.w(1, () -> List.of(new Header("Upload-Defer-Length", deferLength(g)))),
                Props.just(1, List.<Header>of())));
    optional(g, "Upload-Metadata", () -> metadataHeader(g), 0.6).ifPresent(l::add);
    optional(g, "Upload-Concat", () -> concatValue(g), 0.25).ifPresent(l::add);
    tusResumable(g).ifPresent(l::add);
    optional(g, "Content-Type", () -> contentType(g), 0.6).ifPresent(l::add);
    optional(g, "Upload-Checksum", () -> checksumValue(g), 0.15).ifPresent(l::add);
    if (g.below(4) == 0) {
      l.addAll(extraHeaders(g));
    }
    return l;
  }

  private static Optional<Header> optional(
      Gen g, String name, java.util.function.Supplier<byte[]> value, double present) {
    return g.optional(present, () -> new Header(name, value.get()));
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] deferLength(Gen g) {
    return g.bool() ? utf8(g.pick("1", "0", "2", " 1 ", "")) : hostileValue(g);
  }

  private static byte[] uploadLength(Gen g) {
    return g.frequency(
        Props.w(6, () -> utf8(String.valueOf(g.longs(0, 3000)))),
        Props.w(2, () -> utf8(g.pick(
            String.valueOf(MAX), String.valueOf(MAX + 1), String.valueOf(Long.MAX_VALUE),
            "9223372036854775808", "99999999999999999999", "-1", "+5", " 10 ", "0x10", "1e3",
            "1.5", "", "\u0661\u0662", "0000000000000000000000000007", "10, 20"))),
        Props.w(2, () -> hostileValue(g)));
  }

  /** Bytes a header value should never contain, and some it may. */
  private static byte[] hostileValue(Gen g) {
    return g.frequency(
        Props.w(3, () -> utf8(g.ascii(0, 40))),
        Props.w(2, () -> g.bytes(0, 30)),
        Props.w(2, () -> utf8(g.unicode(0, 20))),
        Props.w(2, () -> utf8(g.pick(
            "1\r\nSet-Cookie: x=y", "1\nX-Injected: 1", "1\rX: y", "a\u0000b", "\t", " ",
            "\u00ff\u00fe", "%0d%0aSet-Cookie:x", "${jndi:ldap://x}",
            "'; DROP TABLE uploads; --"))),
        Props.w(1, () -> "A".repeat(g.pick(17_000, 70_000)).getBytes(StandardCharsets.US_ASCII)));
  }

  private static byte[] metadataHeader(Gen g) {
    if (g.below(7) == 6) {
      return hostileValue(g);
    }
    List<String> pairs =
        g.list(0, 6, () -> {
          String k = g.frequency(
              Props.w(4, () -> g.pick("filename", "filetype", "name", "type", "x")),
              Props.w(1, () -> g.pick("a b", "k,ey", "\u043a\u043b\u044e\u0447", "")),
              Props.w(1, () -> g.ascii(1, 12)));
          String v = g.frequency(
              Props.w(6, () -> b64(decodedValue(g))),
              Props.w(1, () -> g.pick("", "!!!!", "abc", "YQ", "YQ==YQ==", "a b", "====",
                  "Zm9v\r\nX: y")),
              Props.w(1, () -> g.ascii(0, 20)));
          String sep = g.pick(" ", "", "  ", "\t");
          return v.isEmpty() && sep.isEmpty() ? k : k + sep + v;
        });
    String joiner = g.frequency(Props.just(6, ","), Props.just(1, ", "), Props.just(1, ",,"),
        Props.just(1, " , "));
    return utf8(String.join(joiner, pairs));
  }

  /** Decoded metadata values: CR/LF, NUL, header injection, non-ASCII, long. */
  private static String decodedValue(Gen g) {
    return g.oneOf(
        () -> g.unicode(0, 30),
        () -> g.string("\r\n\u0000\"%;\\/ aZ\u00e9\u4e2d", 0, 20),
        () -> g.pick(
            "x\r\nSet-Cookie: x=y", "\r\nSet-Cookie: x=y\r\n\r\n<html>", "a\u0000b",
            "../../etc/passwd", "text/html", "image/svg+xml", "a\"; filename=evil.exe",
            "\u202etxt.exe", "x".repeat(5000)));
  }

  private static UUID uuid(Gen g) {
    return uuid4(g.random());
  }

  private static byte[] concatValue(Gen g) {
    if (g.below(4) == 3) {
      return hostileValue(g);
    }
    return utf8(g.pick("partial", " partial ", "final;", "final; ", "final",
        "final;/files/" + uuid(g), "final;/files/not-a-uuid",
        "final;http://evil.example/files/" + uuid(g), "final;{EXISTING}",
        "final;{EXISTING} {EXISTING}", "final;{EXISTING} /files/" + uuid(g),
        "final;" + ("/files/" + uuid(g) + " ").repeat(1001)));
  }

  private static Optional<Header> tusResumable(Gen g) {
    if (g.below(10) < 8) {
      return Optional.of(tus());
    }
    return optional(g, "Tus-Resumable",
        () -> g.bool() ? utf8(g.pick("0.2.2", "1.0.0 ", "1.0", "", "1.0.0,1.0.0"))
            : hostileValue(g),
        0.7);
  }

  private static byte[] contentType(Gen g) {
    return g.frequency(
        Props.w(5, () -> utf8(OCTET)),
        Props.w(2, () -> utf8(g.pick(OCTET + "; charset=utf-8", "APPLICATION/OFFSET+OCTET-STREAM",
            "text/plain", "application/octet-stream", ";", "", "multipart/form-data; boundary=x"))),
        Props.w(1, () -> hostileValue(g)));
  }

  private static byte[] checksumValue(Gen g) {
    return g.bool()
        ? utf8(g.pick("sha1 " + b64("x"), "sha1 2jmj7l5rSw0yVb/vlWAYkK/YBwk=", "md5 !!!",
            "crc32 AAAA", "sha256", "sha1  x", "", "SHA1 2jmj7l5rSw0yVb/vlWAYkK/YBwk="))
        : hostileValue(g);
  }

  private static List<Header> extraHeaders(Gen g) {
    return g.list(0, 3, () -> new Header(
        g.bool()
            ? g.pick("Upload-Length", "Upload-Offset", "Upload-Metadata", "Tus-Resumable",
                "X-HTTP-Method-Override", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Request-Id",
                "Expect", "Trailer", "Content-Encoding", "Range")
            : g.string("abcdefghijklmnopqrstuvwxyz-", 1, 20),
        hostileValue(g)));
  }

  /** A request body and how it is framed. */
  record Body(String label, List<Header> headers, byte[] bytes, boolean cutShort) {
    @Override
    public String toString() {
      return label + " " + headers + " (" + bytes.length + " bytes" + (cutShort ? ", cut" : "")
          + ")";
    }
  }

  private static final List<String> BODY_KINDS =
      List.of("none", "cl", "short", "long", "chunked", "chunked-bad", "chunked-cut", "cl-dup",
          "cl-garbage", "cl-and-chunked");

  private static Body body(Gen g) {
    String kind = g.pick("none", "none", "cl", "cl", "short", "long", "chunked", "chunked-bad",
        "chunked-cut", "cl-dup", "cl-garbage", "cl-and-chunked");
    return body(kind, g.ints(0, 3000), g.ints(0, 1000));
  }

  private static Body body(String kind, int n, int k) {
    byte[] data = bytes(n, n * 31L + k);
    return switch (kind) {
      case "none" -> new Body(kind, List.of(), new byte[0], false);
      case "cl" -> new Body(kind, List.of(cl(n)), data, false);
      case "short" -> new Body(kind, List.of(cl(n + 1 + k)), data, true);
      case "long" -> new Body(kind, List.of(cl(n)), concat(data, bytes(k + 1, k)), false);
      case "chunked" -> new Body(kind, List.of(Header.of("Transfer-Encoding", "chunked")),
          RawHttp.chunked(data, k + 1), false);
      case "chunked-bad" -> new Body(kind, List.of(Header.of("Transfer-Encoding", "chunked")),
          concat("zz\r\n".getBytes(StandardCharsets.US_ASCII), data), true);
      case "chunked-cut" -> {
        byte[] c = RawHttp.chunked(data, k + 1);
        yield new Body(kind, List.of(Header.of("Transfer-Encoding", "chunked")),
            java.util.Arrays.copyOf(c, Math.max(0, c.length - 5)), true);
      }
      case "cl-dup" -> new Body(kind, List.of(cl(n), cl(n + 1)), data, true);
      case "cl-garbage" -> new Body(kind,
          List.of(Header.of("Content-Length", List.of("-1", "1e3", "abc", " ", "99999999999999999999",
              "0x10", n + ", " + n).get(k % 7))), data, true);
      case "cl-and-chunked" -> new Body(kind,
          List.of(cl(n), Header.of("Transfer-Encoding", "chunked")), RawHttp.chunked(data, k + 1),
          true);
      default -> throw new IllegalArgumentException(kind);
    };
  }

  // =============================================================== 2. PATCH/HEAD/DELETE

  /** One request on an existing upload; specs are resolved against its state when sent. */
  record Action(String method, String offset, String contentType, String checksum,
      String length, String size, String framing, int n) {}

  /** A new upload (of {@code length} bytes, or deferred) and what is then done to it. */
  record Session(boolean deferred, int length, List<Action> actions) {}

  private static Action action(Gen g) {
    return new Action(
        g.frequency(Props.just(8, "PATCH"), Props.just(2, "HEAD"), Props.just(1, "DELETE")),
        g.frequency(Props.just(8, "cur"), Props.just(1, "cur+1"), Props.just(1, "cur-1"),
            Props.just(1, "0"), Props.just(1, "none"), Props.just(1, "=-1"), Props.just(1, "= 0"),
            Props.just(1, "=99999999999999999999"), Props.just(1, "=1\r\nX: y"),
            Props.just(1, "=abc")),
        g.frequency(Props.just(8, OCTET), Props.just(1, "none"),
            Props.just(1, "application/octet-stream"), Props.just(1, OCTET + ";x=\u0000")),
        g.frequency(Props.just(6, "none"), Props.just(2, "good-sha1"), Props.just(1, "good-md5"),
            Props.just(2, "bad-sha1"), Props.just(1, "=crc32 AAAA"), Props.just(1, "=sha1 !!!"),
            Props.just(1, "=sha1")),
        g.frequency(Props.just(8, "none"), Props.just(2, "len"), Props.just(1, "len+1"),
            Props.just(1, "cur"), Props.just(1, "=abc"), Props.just(1, "=" + (MAX + 1))),
        g.frequency(Props.just(5, "rest"), Props.just(3, "less"), Props.just(2, "more"),
            Props.just(1, "zero")),
        g.frequency(Props.just(6, "cl"), Props.just(2, "short"), Props.just(2, "chunked"),
            Props.just(1, "chunked-trailer")),
        g.ints(0, 5000));
  }

  private static Action patchAction(String size, String framing) {
    return new Action("PATCH", "cur", OCTET, "none", "none", size, framing, 7);
  }

  private static List<Session> sessionEdges() {
    Action rest = patchAction("rest", "cl");
    List<Session> e = new ArrayList<>();
    e.add(new Session(false, 0, List.of(rest))); // an empty upload completed by an empty PATCH
    e.add(new Session(false, 0, List.of(patchAction("more", "cl")))); // a byte past an empty one
    e.add(new Session(true, 0, List.of(new Action("PATCH", "cur", OCTET, "none", "len", "zero",
        "cl", 0)))); // deferred, declared empty
    e.add(new Session(true, 4000, List.of(new Action("PATCH", "cur", OCTET, "none", "len", "rest",
        "cl", 4000)))); // deferred, declared with its bytes
    e.add(new Session(true, 0, List.of(new Action("PATCH", "cur", OCTET, "none", "=" + (MAX + 1),
        "less", "cl", 10))));
    e.add(new Session(false, 4000, List.of(new Action("PATCH", "cur", OCTET, "good-sha1", "none",
        "rest", "chunked-trailer", 4999))));
    e.add(new Session(false, 1000, List.of(new Action("PATCH", "cur", OCTET, "bad-sha1", "none",
        "rest", "chunked-trailer", 1))));
    e.add(new Session(false, 1000, List.of(patchAction("more", "chunked"))));
    e.add(new Session(false, 1000, List.of(patchAction("rest", "short"), rest)));
    e.add(new Session(false, 1000, List.of(patchAction("less", "cl"), patchAction("less", "cl"),
        patchAction("less", "chunked"), patchAction("less", "short"), rest)));
    e.add(new Session(false, 1000, List.of(new Action("DELETE", "cur", OCTET, "none", "none",
        "rest", "cl", 0), rest)));
    e.add(new Session(false, 10, List.of(new Action("HEAD", "cur", OCTET, "none", "none", "rest",
        "cl", 0))));
    for (String offset : List.of("cur+1", "cur-1", "none", "=-1", "= 0",
        "=99999999999999999999", "=1\r\nX: y", "=abc", "=" + Long.MAX_VALUE)) {
      e.add(new Session(false, 1000, List.of(new Action("PATCH", offset, OCTET, "none", "none",
          "rest", "cl", 3), rest)));
    }
    for (String type : List.of("none", "application/octet-stream", OCTET + ";x=\u0000")) {
      e.add(new Session(false, 100, List.of(new Action("PATCH", "cur", type, "none", "none",
          "rest", "cl", 3))));
    }
    for (String checksum : List.of("good-md5", "=crc32 AAAA", "=sha1 !!!", "=sha1")) {
      e.add(new Session(false, 100, List.of(new Action("PATCH", "cur", OCTET, checksum, "none",
          "rest", "cl", 3))));
    }
    for (String length : List.of("len", "len+1", "cur", "=abc")) {
      e.add(new Session(false, 100, List.of(new Action("PATCH", "cur", OCTET, "none", length,
          "rest", "cl", 3))));
      e.add(new Session(true, 100, List.of(new Action("PATCH", "cur", OCTET, "none", length,
          "rest", "cl", 3))));
    }
    return e;
  }

  @TestFactory
  Stream<DynamicTest> patch_head_delete_keep_head_database_and_staging_in_step() {
    return Props.forAll("patch, head, delete", 120, sessionEdges(),
        g -> new Session(
            g.bool(),
            g.ints(0, g.frequency(Props.just(1, 0), Props.just(6, 1000), Props.just(2, 4000))),
            g.list(1, 5, () -> action(g))),
        s -> run(s));
  }

  private static void run(Session s) {
    boolean deferred = s.deferred();
    String path = create(s.length(), deferred, null);
    long declared = deferred ? -1 : s.length();
    for (Action a : s.actions()) {
      Head before = head(path);
      long cur = before.offset;
      Response r;
      switch (a.method()) {
        case "HEAD" -> {
          r = send("HEAD", path, List.of(tus()), new byte[0], false);
        }
        case "DELETE" -> {
          r = send("DELETE", path, List.of(tus()), new byte[0], false);
        }
        default -> {
          long known = before.length >= 0 ? before.length : (declared >= 0 ? declared : -1);
          long rest = known >= 0 ? Math.max(0, known - cur) : a.n() % 3000;
          int size =
              (int) switch (a.size()) {
                case "rest" -> rest;
                case "less" -> rest == 0 ? 0 : a.n() % rest;
                case "more" -> rest + 1 + a.n() % 100;
                default -> 0;
              };
          byte[] data = bytes(size, a.n());
          List<Header> h = new ArrayList<>();
          h.add(tus());
          spec(h, "Upload-Offset", a.offset(), cur, known);
          if (!a.contentType().equals("none")) {
            h.add(Header.of("Content-Type", a.contentType()));
          }
          String checksum = switch (a.checksum()) {
            case "good-sha1" -> "sha1 " + TestData.checksum("sha1", data);
            case "good-md5" -> "md5 " + TestData.checksum("md5", data);
            case "bad-sha1" -> "sha1 " + TestData.checksum("sha1", bytes(3, a.n()));
            default -> a.checksum();
          };
          boolean trailer = a.framing().equals("chunked-trailer") && !checksum.equals("none");
          if (!trailer) {
            spec(h, "Upload-Checksum", checksum, cur, known);
          }
          spec(h, "Upload-Length", a.length(), cur, deferred ? cur + rest : known);
          byte[] body;
          boolean cut = false;
          switch (a.framing()) {
            case "short" -> {
              h.add(cl(size + 1 + a.n() % 50));
              body = data;
              cut = true;
            }
            case "chunked", "chunked-trailer" -> {
              h.add(Header.of("Transfer-Encoding", "chunked"));
              if (trailer) {
                h.add(Header.of("Trailer", "Upload-Checksum"));
              }
              int piece = 1 + a.n() % 700;
              body = trailer
                  ? RawHttp.chunked(data, piece, "Upload-Checksum: "
                      + (checksum.startsWith("=") ? checksum.substring(1) : checksum))
                  : RawHttp.chunked(data, piece);
            }
            default -> {
              h.add(cl(size));
              body = data;
            }
          }
          r = send("PATCH", path, h, body, cut);
          assertThat(r.status()).as("PATCH %s (%s) at %s -> %s", h, a, cur, r).isLessThan(500);
          if (r.status() == -1) {
            assertThat(cut).as("closed without an answer: %s %s", h, a).isTrue();
          }
          if (r.status() == 204) {
            long after = Long.parseLong(r.header("Upload-Offset"));
            assertThat(after).isEqualTo(cur + size);
          }
          assertUploadConsistent(path);
          continue;
        }
      }
      assertThat(r.status()).as("%s %s -> %s", a.method(), path, r).isBetween(200, 499);
      assertUploadConsistent(path);
    }
  }

  /** Adds header {@code name} as the spec says: none, cur, cur±1, len, len+1, or =literal. */
  private static void spec(List<Header> h, String name, String spec, long cur, long len) {
    String v =
        switch (spec) {
          case "none" -> null;
          case "cur" -> Long.toString(cur);
          case "cur+1" -> Long.toString(cur + 1);
          case "cur-1" -> Long.toString(cur - 1);
          case "len" -> len < 0 ? null : Long.toString(len);
          case "len+1" -> len < 0 ? null : Long.toString(len + 1);
          default -> spec.startsWith("=") ? spec.substring(1) : spec;
        };
    if (v != null) {
      h.add(Header.of(name, v));
    }
  }

  // =============================================================== 3. API parameters

  /** GET /api/v1/uploads with these parameters (names and values URL-encoded). */
  record ListQuery(List<Map.Entry<String, String>> params, boolean acceptJson) {
    @Override
    public String toString() {
      return params.stream()
              .map(e -> Props.escape(e.getKey()) + "=" + Props.escape(e.getValue()))
              .collect(Collectors.joining("&", "[", "]"))
          + (acceptJson ? " Accept: application/json" : "");
    }
  }

  private static final List<String> LIST_NAMES =
      List.of("state", "limit", "cursor", "q", "sort", "order", "x", "", "state[]");
  private static final List<String> LIST_VALUES =
      List.of("uploading", "stored", "deleted", "UPLOADING", "", "created", "size", "asc", "desc",
          "1", "500", "501", "0", "-1", "2147483648", "1e2", "%", "_", "\\", "' OR 1=1 --",
          "'; DROP TABLE uploads; --", "\u0000", "a\u0000b", "x".repeat(257), "x".repeat(256),
          "y".repeat(20_000));
  private static final List<String> CURSOR_VALUES =
      List.of("2024-01-01T00:00Z", "+999999999-12-31T23:59:59.999999999-18:00",
          "-999999999-01-01T00:00+18:00", "0001-01-01T00:00Z", "300000-01-01T00:00Z",
          "-4714-11-24T00:00Z", "9223372036854775807", "-9223372036854775808", "-1", "0",
          "99999999999999999999", "NaN", "");

  private static List<ListQuery> listEdges() {
    List<ListQuery> e = new ArrayList<>();
    e.add(new ListQuery(List.of(), false));
    e.add(new ListQuery(List.of(), true));
    int k = 0;
    for (String v : LIST_VALUES) {
      e.add(new ListQuery(List.of(Map.entry(LIST_NAMES.get(k++ % LIST_NAMES.size()), v)), k % 2 == 0));
    }
    for (String name : LIST_NAMES) {
      e.add(new ListQuery(List.of(Map.entry(name, "")), false));
      e.add(new ListQuery(List.of(Map.entry(name, "\u0000")), true));
    }
    for (String v : CURSOR_VALUES) {
      for (String kind : List.of("t", "k")) {
        e.add(new ListQuery(List.of(Map.entry("cursor", cursor(kind, v, uuid4(IDS).toString(),
            "|"))), false));
      }
    }
    e.add(new ListQuery(List.of(Map.entry("cursor", cursor("", "", "", "||"))), false));
    e.add(new ListQuery(List.of(Map.entry("cursor", cursor("x", "0", "zz", "|"))), false));
    List<Map.Entry<String, String>> six = new ArrayList<>();
    for (String name : List.of("state", "limit", "cursor", "q", "sort", "order")) {
      six.add(Map.entry(name, "y".repeat(20_000)));
    }
    e.add(new ListQuery(six, true));
    return e;
  }

  @TestFactory
  Stream<DynamicTest> api_list_never_answers_5xx() {
    return Props.forAll("api list", 200, listEdges(),
        g -> new ListQuery(
            g.list(0, 6, () -> Map.entry(
                g.frequency(Props.just(2, "state"), Props.just(2, "limit"), Props.just(3, "cursor"),
                    Props.just(2, "q"), Props.just(2, "sort"), Props.just(2, "order"),
                    Props.just(1, "x"), Props.just(1, ""), Props.just(1, "state[]")),
                g.oneOf(() -> g.pick(LIST_VALUES), () -> g.unicode(0, 30), () -> cursor(g)))),
            g.bool()),
        q -> {
          String query =
              q.params().stream()
                  .map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
                  .collect(Collectors.joining("&"));
          List<Header> h =
              q.acceptJson() ? List.of(Header.of("Accept", "application/json")) : List.of();
          Response r = send("GET", "/api/v1/uploads?" + query, h, new byte[0], false);
          assertApiAnswer("GET /api/v1/uploads?" + query, r);
        });
  }

  /** Cursors: random, and well-formed base64url of hostile {@code kind|value|id} triples. */
  private static String cursor(Gen g) {
    return cursor(
        g.pick("t", "k", "x", ""),
        g.bool() ? g.pick(CURSOR_VALUES) : g.unicode(0, 10),
        g.pick(uuid(g).toString(), "1-1-1-1-1", "", "zz"),
        g.pick("|", "||"));
  }

  private static String cursor(String kind, String value, String id, String sep) {
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString((kind + sep + value + "|" + id).getBytes(StandardCharsets.UTF_8));
  }

  /** A request on one upload's API routes. */
  record Route(String method, String id, String suffix, List<Header> headers) {
    String target() {
      return "/api/v1/uploads/" + id.replace("{FINISHED}", finishedId) + suffix;
    }

    @Override
    public String toString() {
      return method + " " + Props.escape(target()) + " " + headers;
    }
  }

  /** Fixed for a run and replayed with its seed. */
  private static final Random IDS = new Random(Props.SEED);
  private static final List<String> ID_SEGMENTS =
      List.of("{FINISHED}", "{FINISHED}", uuid4(IDS).toString(),
          uuid4(IDS).toString().toUpperCase(Locale.ROOT), "1-1-1-1-1", "..", "%2e%2e",
          "%2F", "%00", "%20", "a%0d%0aSet-Cookie:x", "00000000-0000-0000-0000-000000000000",
          "x".repeat(5000), ";", "{FINISHED};jsessionid=1", "%7BFINISHED%7D");
  private static final List<String> ROUTE_SUFFIXES =
      List.of("", "", "/content", "/content", "/timeline", "/retry", "/", "/x", "/content/",
          "/../../stats", "?x=1");
  private static final List<String> API_HEADER_VALUES =
      List.of("bytes=0-0", "bytes=1-", "bytes=-1", "bytes=-0", "bytes=3-2",
          "bytes=0-99999999999999999999", "bytes=99999999999999999999-", "bytes=0-1,2-3",
          "bytes=", "bytes=-", "items=0-1", "bytes=-9223372036854775808", "application/json",
          "*/*", "\"x\"");

  private static List<Route> routeEdges() {
    List<Route> e = new ArrayList<>();
    int k = 0;
    for (String id : ID_SEGMENTS) {
      e.add(new Route("GET", id, ROUTE_SUFFIXES.get(k++ % ROUTE_SUFFIXES.size()), List.of()));
    }
    for (String suffix : ROUTE_SUFFIXES) {
      e.add(new Route("GET", "{FINISHED}", suffix, List.of()));
    }
    for (String name : List.of("Range", "If-Range", "Accept", "If-None-Match", "X-Request-Id")) {
      for (String v : API_HEADER_VALUES) {
        e.add(new Route("GET", "{FINISHED}", "/content", List.of(Header.of(name, v))));
      }
      e.add(new Route("GET", "{FINISHED}", "/content", List.of(new Header(name, new byte[0]))));
    }
    e.add(new Route("GET", "{FINISHED}", "/content",
        List.of(Header.of("Range", "bytes=0-0"), Header.of("Range", "bytes=1-"),
            Header.of("If-Range", "\"x\""))));
    e.add(new Route("GET", "", "", List.of()));
    // methods last: DELETE on {FINISHED} takes the finished upload away from the later tries
    for (String method : List.of("HEAD", "PUT", "PATCH", "OPTIONS", "BREW", "POST", "DELETE")) {
      e.add(new Route(method, "{FINISHED}", "/content", List.of()));
      e.add(new Route(method, uuid4(IDS).toString(), "", List.of()));
    }
    return e;
  }

  @TestFactory
  Stream<DynamicTest> api_upload_routes_never_answer_5xx() {
    return Props.forAll("api upload routes", 200, routeEdges(),
        g -> new Route(
            g.frequency(Props.just(6, "GET"), Props.just(2, "DELETE"), Props.just(2, "POST"),
                Props.just(1, "HEAD"), Props.just(1, "PUT"), Props.just(1, "PATCH"),
                Props.just(1, "OPTIONS"), Props.just(1, "BREW")),
            g.bool() ? g.pick(ID_SEGMENTS) : enc(g.unicode(0, 40)),
            g.pick(ROUTE_SUFFIXES),
            g.list(0, 3, () -> new Header(
                g.pick("Range", "If-Range", "Accept", "If-None-Match", "X-Request-Id"),
                g.bool() ? utf8(g.pick(API_HEADER_VALUES)) : hostileValue(g)))),
        rt -> {
          Response r = send(rt.method(), rt.target(), rt.headers(), new byte[0], false);
          assertApiAnswer(rt.method() + " " + rt.target() + " " + rt.headers(), r);
        });
  }

  /** The path of "METHOD /path?query" with dot segments resolved, as the server routes it. */
  private static String normalizedPath(String request) {
    String target = request.substring(request.indexOf(' ') + 1).split(" ")[0];
    String path = target.split("\\?")[0];
    try {
      String n = java.net.URI.create("http://h" + path).normalize().getPath();
      return n == null ? path : n;
    } catch (IllegalArgumentException e) {
      return path; // not a URI the server would route by dot segments either
    }
  }

  private static void assertApiAnswer(String request, Response r) {
    assertThat(r.status()).as("%s -> %s", request, r).isBetween(100, 499);
    if (r.header("X-Request-Id") == null) {
      // rejected by Jetty's parser before any servlet ran (bad bytes in the request head)
      assertThat(r.status()).as("%s -> %s", request, r).isIn(400, 414, 431);
      return;
    }
    String type = r.header("Content-Type");
    if (!normalizedPath(request).startsWith("/api/")) {
      // "/api/v1/uploads/../../../x" is "/x": not an API request any more (the UI's 404 page)
      return;
    }
    boolean content = type != null && !type.startsWith("application/json") && r.status() < 300;
    if (r.status() == 204 || r.status() == 304 || content || r.body().length == 0) {
      return;
    }
    assertThat(type).as("%s -> %s", request, r).startsWith("application/json");
    try {
      JSON.readTree(r.body());
    } catch (IOException e) {
      throw new AssertionError(request + " -> not JSON: " + r, e);
    }
  }

  // =============================================================== 4. metadata echo

  /** The filename and filetype a client claims. */
  record Claim(String filename, String filetype) {
    @Override
    public String toString() {
      return "filename " + Props.describe(filename) + ", filetype " + Props.describe(filetype);
    }
  }

  @TestFactory
  Stream<DynamicTest> metadata_cannot_inject_a_response_header() {
    List<Claim> edges = new ArrayList<>();
    List<String> hostile = Props.HOSTILE_STRINGS;
    for (int i = 0; i < hostile.size(); i++) {
      edges.add(new Claim(hostile.get(i), hostile.get((i * 7 + 3) % hostile.size())));
    }
    edges.add(new Claim("\r\nSet-Cookie: x=y\r\n", "\r\nSet-Cookie: x=y\r\n"));
    edges.add(new Claim("a.txt", "text/plain\r\nSet-Cookie: x=y"));
    return Props.forAll("metadata echo", 40, edges,
        g -> new Claim(injection(g), injection(g)),
        c -> checkMetadataEcho(c.filename(), c.filetype()));
  }

  private static String injection(Gen g) {
    if (g.bool()) {
      return decodedValue(g);
    }
    String s = g.ascii(0, 10);
    return s + "\r\nSet-Cookie: x=y\r\n" + s;
  }

  private static void checkMetadataEcho(String filename, String filetype) {
    String metadata = "filename " + b64(filename) + ",filetype " + b64(filetype) + ",note "
        + b64("\r\nSet-Cookie: x=y");
    Response created = tryCreate(5, false, metadata);
    if (created.status() == 415) {
      // a name or type of a denied kind ("evil.exe") is refused at creation, with a reason
      assertThat(created.text()).as("%s", created).contains("not accepted here");
      assertThat(created.headerLines())
          .noneMatch(l -> l.toLowerCase(Locale.ROOT).startsWith("set-cookie"));
      return;
    }
    assertThat(created.status()).as("create -> %s", created).isEqualTo(201);
    String location = created.header("Location");
    String path = location.substring(location.indexOf("/files/"));
    Response r0 = patch(path, 0, "abcde".getBytes(StandardCharsets.US_ASCII), List.of());
    // a random claim Tika can check by magic (say "x.Z") is refused for these text bytes: right
    assertThat(r0.status()).as("%s", r0).isIn(204, 415);
    if (r0.status() == 415) {
      assertThat(r0.text()).contains("as claimed");
    }

    Response head = send("HEAD", path, List.of(tus()), new byte[0], false);
    assertThat(head.status()).isEqualTo(200);
    assertOnlyHeaders(head, Set.of("date", "tus-resumable", "upload-offset", "upload-length",
        "upload-metadata", "upload-expires", "cache-control", "x-request-id",
        "x-content-type-options", "referrer-policy", "cross-origin-opener-policy", "connection",
        "content-length"));
    assertThat(head.header("Upload-Metadata")).isEqualTo(metadata);
    if (r0.status() == 415) {
      return; // refused by the content check: nothing to download
    }

    String id = path.substring("/files/".length());
    Response get = send("GET", "/api/v1/uploads/" + id + "/content", List.of(), new byte[0], false);
    assertThat(get.status()).as("%s", get).isEqualTo(200);
    assertThat(get.text()).isEqualTo("abcde");
    assertOnlyHeaders(get, Set.of("date", "content-type", "content-length", "content-disposition",
        "content-security-policy", "etag", "accept-ranges", "cache-control", "x-request-id",
        "x-content-type-options", "referrer-policy", "cross-origin-opener-policy", "connection",
        "last-modified", "vary"));
    assertThat(get.header("Content-Disposition"))
        .as("%s", get)
        .matches("attachment(; filename=\"[\\x20-\\x7e&&[^\"%]]*\"; "
            + "filename\\*=UTF-8''[A-Za-z0-9._%-]*)?");
  }

  private static void assertOnlyHeaders(Response r, Set<String> allowed) {
    for (String line : r.headerLines()) {
      int colon = line.indexOf(':');
      assertThat(colon).as("header line without a name: '%s' in %s", line, r).isPositive();
      String name = line.substring(0, colon).toLowerCase(Locale.ROOT);
      assertThat(allowed).as("unexpected header '%s' in %s", line, r).contains(name);
      assertThat(line).as("control character in '%s'", line).doesNotContainPattern("[\\x00-\\x08\\x0a-\\x1f\\x7f]");
    }
    assertThat(r.headerNames().stream().map(n -> n.toLowerCase(Locale.ROOT)))
        .as("%s", r)
        .doesNotHaveDuplicates()
        .doesNotContain("set-cookie");
  }
  // =============================================================== consistency

  /** HEAD, the database row and the staged file of one upload agree (retried while in flux). */
  private static void assertUploadConsistent(String path) {
    AssertionError last = null;
    for (int i = 0; i < 50; i++) {
      try {
        checkUpload(path);
        return;
      } catch (AssertionError e) {
        last = e;
        Poll.sleep(100);
      }
    }
    throw last;
  }

  private static void checkUpload(String path) {
    UUID id = UUID.fromString(path.substring("/files/".length()));
    Head h = head(path);
    Row row = row(id);
    assertThat(row).as("row of %s", id).isNotNull();
    if (h.status == 410) {
      assertThat(row.state).isIn("deleted", "expired");
      assertThat(staged(id)).as("staged bytes of gone %s", id).isEqualTo(-1);
      return;
    }
    assertThat(h.status).as("HEAD %s", path).isEqualTo(200);
    assertThat(h.offset).as("HEAD vs database offset of %s", id).isEqualTo(row.offset);
    assertThat(h.length).as("HEAD vs database length of %s", id)
        .isEqualTo(row.length == null ? -1 : row.length);
    if (h.length >= 0) {
      assertThat(h.offset).isLessThanOrEqualTo(h.length);
    }
    if (row.state.equals("uploading")) {
      assertThat(staged(id)).as("staged bytes of %s (offset %s)", id, row.offset)
          .isEqualTo(row.offset == 0 && staged(id) == -1 ? -1 : row.offset);
    } else {
      assertThat(row.offset).as("%s is %s", id, row.state).isEqualTo(row.length);
    }
  }

  /** After the runs: every row's offset within its length and equal to its staged bytes. */
  private static void assertWholeDatabaseConsistent() throws Exception {
    // let the workers finish what was queued, so staged files are either there or gone
    for (int i = 0; i < 300 && count("state IN ('queued', 'storing')") > 0; i++) {
      Poll.sleep(100);
    }
    List<String> problems = new ArrayList<>();
    Map<UUID, Row> rows = new HashMap<>();
    try (PreparedStatement s = db().prepareStatement(
            "SELECT id, \"offset\", length, state, upload_type FROM uploads");
        ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        UUID id = (UUID) rs.getObject(1);
        Row row = new Row(rs.getLong(2), (Long) rs.getObject(3), rs.getString(4),
            rs.getString(5));
        rows.put(id, row);
        if (row.length != null && row.offset > row.length) {
          problems.add(id + " offset " + row.offset + " > length " + row.length);
        }
        long staged = staged(id);
        if (row.state.equals("uploading") && !row.type.equals("final")
            && staged != row.offset && !(staged == -1 && row.offset == 0)) {
          problems.add(id + " uploading at " + row.offset + " but " + staged + " bytes staged");
        }
        if (row.state.equals("queued") || row.state.equals("storing")
            || row.state.equals("failed")) {
          problems.add(id + " is still " + row.state + " (" + row.offset + " bytes)");
        }
        if ((row.state.equals("deleted") || row.state.equals("concatenated")
                || row.state.equals("stored") && !row.type.equals("partial"))
            && staged != -1) {
          problems.add(id + " is " + row.state + " but " + staged + " bytes are still staged");
        }
      }
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(stagingDir())) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        if (name.endsWith(".bin")
            && !rows.containsKey(UUID.fromString(name.substring(0, name.length() - 4)))) {
          problems.add("staged file " + name + " has no row");
        }
      }
    }
    System.out.println("HostileInputPropertiesIT: " + rows.size() + " uploads checked, "
        + created.size() + " created by property 1");
    connection.close();
    assertThat(problems).as("database vs staging").isEmpty();
  }

  record Row(long offset, Long length, String state, String type) {}

  private static Row row(UUID id) {
    try (PreparedStatement s = db().prepareStatement(
            "SELECT \"offset\", length, state, upload_type FROM uploads WHERE id = ?")) {
      s.setObject(1, id);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next()
            ? new Row(rs.getLong(1), (Long) rs.getObject(2), rs.getString(3), rs.getString(4))
            : null;
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static long count(String where) {
    try (PreparedStatement s = db().prepareStatement("SELECT count(*) FROM uploads WHERE " + where);
        ResultSet rs = s.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Connection connection;

  /** One connection for all checks (closed after the last). */
  private static synchronized Connection db() throws SQLException {
    if (connection == null || connection.isClosed()) {
      connection = DriverManager.getConnection(server.databaseUrl(), "postgres", "");
    }
    return connection;
  }

  private static Path stagingDir() {
    return server.dataDir().resolve("staging");
  }

  /** Size of the staged file, -1 when there is none. */
  private static long staged(UUID id) {
    try {
      Path f = stagingDir().resolve(id + ".bin");
      return Files.exists(f) ? Files.size(f) : -1;
    } catch (IOException e) {
      return -1; // deleted between the two calls
    }
  }

  // =============================================================== plain requests

  record Head(int status, long offset, long length) {}

  private static Head head(String path) {
    Response r = send("HEAD", path, List.of(tus()), new byte[0], false);
    if (r.status() != 200) {
      return new Head(r.status(), -1, -1);
    }
    String len = r.header("Upload-Length");
    return new Head(200, Long.parseLong(r.header("Upload-Offset")),
        len == null ? -1 : Long.parseLong(len));
  }

  /** A valid POST; returns the upload's path. */
  private static String create(long length, boolean deferred, String metadata) {
    Response r = tryCreate(length, deferred, metadata);
    assertThat(r.status()).as("create -> %s", r).isEqualTo(201);
    String location = r.header("Location");
    return location.substring(location.indexOf("/files/"));
  }

  private static Response tryCreate(long length, boolean deferred, String metadata) {
    List<Header> h = new ArrayList<>();
    h.add(tus());
    h.add(deferred ? Header.of("Upload-Defer-Length", "1")
        : Header.of("Upload-Length", Long.toString(length)));
    if (metadata != null) {
      h.add(Header.of("Upload-Metadata", metadata));
    }
    h.add(cl(0));
    return send("POST", "/files/", h, new byte[0], false);
  }

  private static Response patch(String path, long offset, byte[] body, List<Header> extra) {
    List<Header> h = new ArrayList<>();
    h.add(tus());
    h.add(Header.of("Upload-Offset", Long.toString(offset)));
    h.add(Header.of("Content-Type", OCTET));
    h.add(cl(body.length));
    h.addAll(extra);
    return send("PATCH", path, h, body, false);
  }

  /** Replaces {EXISTING} in Upload-Concat with paths of uploads created so far. */
  private static List<Header> resolve(List<Header> headers) {
    List<Header> out = new ArrayList<>();
    for (Header h : headers) {
      String v = new String(h.value(), StandardCharsets.ISO_8859_1);
      if (v.contains("{EXISTING}")) {
        String existing = created.isEmpty() ? "/files/" + finishedId
            : created.get(Math.abs(v.hashCode()) % created.size());
        h = new Header(h.name(), v.replace("{EXISTING}", existing)
            .getBytes(StandardCharsets.ISO_8859_1));
      }
      out.add(h);
    }
    return out;
  }

  // =============================================================== helpers

  private static Header cl(long n) {
    return Header.of("Content-Length", Long.toString(n));
  }

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  /** A version 4 UUID from these random bits (replayable, unlike UUID.randomUUID). */
  private static UUID uuid4(Random r) {
    long hi = (r.nextLong() & ~0xf000L) | 0x4000L;
    long lo = (r.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
    return new UUID(hi, lo);
  }

  private static String b64(String s) {
    return TestData.b64(s);
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
