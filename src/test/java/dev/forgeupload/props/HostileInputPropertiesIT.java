package dev.forgeupload.props;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.forgeupload.props.RawHttp.Header;
import dev.forgeupload.props.RawHttp.Response;
import dev.forgeupload.testing.TestServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Random and hostile tus headers, metadata and API parameters against a running server: never a
 * 5xx, never a hang; HEAD, the database and the staged bytes agree afterwards; metadata cannot
 * inject a response header.
 */
class HostileInputPropertiesIT {
  private static final long MAX = 100_000;
  private static final int TIMEOUT_MS = 10_000;
  private static final Pattern LOCATION =
      Pattern.compile("http://127\\.0\\.0\\.1:\\d+/files/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}");
  private static final String OCTET = "application/offset+octet-stream";
  private static final ObjectMapper JSON = new ObjectMapper();

  private static TestServer server;
  private static RawHttp http;
  /** Paths (/files/<id>) of uploads the properties created. */
  private static final List<String> created = new CopyOnWriteArrayList<>();
  private static String finishedId;

  @BeforeContainer
  static void start() {
    server =
        TestServer.start(
            Map.of(
                "FORGE_MAX_UPLOAD_BYTES", Long.toString(MAX),
                "FORGE_LOCK_WAIT_SECONDS", "1"));
    http = new RawHttp("127.0.0.1", server.port(), TIMEOUT_MS);
    String path = create(5, false, "filename " + b64("seed.txt"));
    Response r = patch(path, 0, "hello".getBytes(StandardCharsets.US_ASCII), List.of());
    assertThat(r.status()).as("%s", r).isEqualTo(204);
    finishedId = path.substring("/files/".length());
  }

  @AfterContainer
  static void stop() throws Exception {
    try {
      assertWholeDatabaseConsistent();
    } finally {
      server.close();
    }
  }

  // =============================================================== 1. POST /files/

  @Property(tries = 250, shrinking = ShrinkingMode.BOUNDED, edgeCases = EdgeCasesMode.NONE)
  void creation_never_answers_5xx_nor_hangs(
      @ForAll("postHeaders") List<Header> headers, @ForAll("bodies") Body body) {
    List<Header> all = new ArrayList<>(resolve(headers));
    all.addAll(body.headers());
    Response r = http.exchange(http.head("POST", "/files/", all), body.bytes(), body.cutShort(),
        false);

    assertThat(r.status()).as("POST %s %s -> %s", all, body, r).isLessThan(500);
    if (r.status() == -1) {
      assertThat(body.cutShort()).as("closed without an answer: %s %s", all, body).isTrue();
    }
    if (r.status() == 201) {
      String location = r.header("Location");
      assertThat(location).as("%s", r).isNotNull().matches(LOCATION);
      String path = location.substring(location.indexOf("/files/"));
      created.add(path);
      assertUploadConsistent(path);
    }
  }

  @Provide
  Arbitrary<List<Header>> postHeaders() {
    return Arbitraries.frequencyOf(
        Tuple.of(1, plausiblePostHeaders()), Tuple.of(1, hostilePostHeaders()));
  }

  /** Headers a tus client could send, with hostile decoded metadata: most reach the handler. */
  private static Arbitrary<List<Header>> plausiblePostHeaders() {
    Arbitrary<Header> length =
        Arbitraries.frequencyOf(
            Tuple.of(6, Arbitraries.longs().between(0, 3000)
                .map(n -> Header.of("Upload-Length", Long.toString(n)))),
            Tuple.of(1, Arbitraries.of(MAX, MAX + 1)
                .map(n -> Header.of("Upload-Length", Long.toString(n)))),
            Tuple.of(2, Arbitraries.just(Header.of("Upload-Defer-Length", "1"))));
    Arbitrary<String> pair =
        Combinators.combine(Arbitraries.of("filename", "filetype", "name", "type", "note"),
                decodedValues())
            .as((k, v) -> k + " " + b64(v));
    Arbitrary<java.util.Optional<Header>> metadata =
        optional("Upload-Metadata", text(pair.list().ofMaxSize(4).map(l -> String.join(",", l))),
            0.7);
    Arbitrary<java.util.Optional<Header>> concat =
        optional("Upload-Concat", text(Arbitraries.of("partial", "final;{EXISTING}",
            "final;{EXISTING} {EXISTING}")), 0.2);
    return Combinators.combine(length, metadata, concat,
            optional("Content-Type", text(Arbitraries.just(OCTET)), 0.8))
        .as((l, m, c, t) -> {
          List<Header> h = new ArrayList<>();
          h.add(Header.of("Tus-Resumable", "1.0.0"));
          h.add(l);
          m.ifPresent(h::add);
          c.ifPresent(h::add);
          t.ifPresent(h::add);
          return h;
        });
  }

  private static Arbitrary<List<Header>> hostilePostHeaders() {
    Arbitrary<List<Header>> lengths =
        Arbitraries.frequencyOf(
            Tuple.of(5, uploadLengths().map(v -> List.of(new Header("Upload-Length", v)))),
            Tuple.of(2, Arbitraries.just(List.of(Header.of("Upload-Defer-Length", "1")))),
            Tuple.of(1, Combinators.combine(uploadLengths(), deferLengths())
                .as((l, d) -> List.of(new Header("Upload-Length", l),
                    new Header("Upload-Defer-Length", d)))),
            Tuple.of(1, deferLengths().map(v -> List.of(new Header("Upload-Defer-Length", v)))),
            Tuple.of(1, Arbitraries.just(List.<Header>of())));
    return Combinators.combine(
            lengths,
            optional("Upload-Metadata", metadataHeaders(), 0.6),
            optional("Upload-Concat", concatValues(), 0.25),
            tusResumable(),
            optional("Content-Type", contentTypes(), 0.6),
            optional("Upload-Checksum", checksumValues(), 0.15),
            Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.just(List.<Header>of())), Tuple.of(1, extraHeaders())))
        .as(
            (a, b, c, d, e, f, g) -> {
              List<Header> l = new ArrayList<>(a);
              b.ifPresent(l::add);
              c.ifPresent(l::add);
              d.ifPresent(l::add);
              e.ifPresent(l::add);
              f.ifPresent(l::add);
              l.addAll(g);
              return l;
            });
  }

  private static Arbitrary<byte[]> deferLengths() {
    return Arbitraries.oneOf(text(Arbitraries.of("1", "0", "2", " 1 ", "")), hostileValues());
  }

  private static Arbitrary<java.util.Optional<Header>> optional(
      String name, Arbitrary<byte[]> values, double present) {
    int weight = (int) Math.round(present * 100);
    return Arbitraries.frequencyOf(
        Tuple.of(weight, values.map(v -> java.util.Optional.of(new Header(name, v)))),
        Tuple.of(100 - weight, Arbitraries.just(java.util.Optional.<Header>empty())));
  }

  private static Arbitrary<byte[]> text(Arbitrary<String> s) {
    return s.map(v -> v.getBytes(StandardCharsets.UTF_8));
  }

  private static Arbitrary<byte[]> uploadLengths() {
    return Arbitraries.frequencyOf(
        Tuple.of(6, text(Arbitraries.longs().between(0, 3000).map(String::valueOf))),
        Tuple.of(2, text(Arbitraries.of(
            String.valueOf(MAX), String.valueOf(MAX + 1), String.valueOf(Long.MAX_VALUE),
            "9223372036854775808", "99999999999999999999", "-1", "+5", " 10 ", "0x10", "1e3",
            "1.5", "", "\u0661\u0662", "0000000000000000000000000007", "10, 20"))),
        Tuple.of(2, hostileValues()));
  }

  /** Bytes a header value should never contain, and some it may. */
  private static Arbitrary<byte[]> hostileValues() {
    return Arbitraries.frequencyOf(
        Tuple.of(3, text(Arbitraries.strings().ascii().ofMaxLength(40))),
        Tuple.of(2, Arbitraries.bytes().array(byte[].class).ofMaxSize(30)),
        Tuple.of(2, text(Arbitraries.strings().all().ofMaxLength(20))),
        Tuple.of(2, text(Arbitraries.of(
            "1\r\nSet-Cookie: x=y", "1\nX-Injected: 1", "1\rX: y", "a\u0000b", "\t", " ",
            "\u00ff\u00fe", "%0d%0aSet-Cookie:x", "${jndi:ldap://x}", "'; DROP TABLE uploads; --"))),
        Tuple.of(1, Arbitraries.of(17_000, 70_000).map(n -> "A".repeat(n).getBytes(
            StandardCharsets.US_ASCII))));
  }

  private static Arbitrary<byte[]> metadataHeaders() {
    Arbitrary<String> keys =
        Arbitraries.frequencyOf(
            Tuple.of(4, Arbitraries.of("filename", "filetype", "name", "type", "x")),
            Tuple.of(1, Arbitraries.of("a b", "k,ey", "\u043a\u043b\u044e\u0447", "")),
            Tuple.of(1, Arbitraries.strings().ascii().ofMinLength(1).ofMaxLength(12)));
    Arbitrary<String> values =
        Arbitraries.frequencyOf(
            Tuple.of(6, decodedValues().map(HostileInputPropertiesIT::b64)),
            Tuple.of(1, Arbitraries.of("", "!!!!", "abc", "YQ", "YQ==YQ==", "a b", "====",
                "Zm9v\r\nX: y")),
            Tuple.of(1, Arbitraries.strings().ascii().ofMaxLength(20)));
    Arbitrary<String> pair =
        Combinators.combine(keys, values, Arbitraries.of(" ", "", "  ", "\t"))
            .as((k, v, sep) -> v.isEmpty() && sep.isEmpty() ? k : k + sep + v);
    Arbitrary<String> joined =
        Combinators.combine(pair.list().ofMaxSize(6),
                Arbitraries.frequency(Tuple.of(6, ","), Tuple.of(1, ", "), Tuple.of(1, ",,"),
                    Tuple.of(1, " , ")))
            .as((l, sep) -> String.join(sep, l));
    return Arbitraries.frequencyOf(
        Tuple.of(6, text(joined)),
        Tuple.of(1, hostileValues()));
  }

  /** Decoded metadata values: CR/LF, NUL, header injection, non-ASCII, long. */
  private static Arbitrary<String> decodedValues() {
    return Arbitraries.oneOf(
        Arbitraries.strings().all().ofMaxLength(30),
        Arbitraries.strings().withChars("\r\n\u0000\"%;\\/ aZ\u00e9\u4e2d").ofMaxLength(20),
        Arbitraries.of(
            "x\r\nSet-Cookie: x=y", "\r\nSet-Cookie: x=y\r\n\r\n<html>", "a\u0000b",
            "../../etc/passwd", "text/html", "image/svg+xml", "a\"; filename=evil.exe",
            "\u202etxt.exe", "x".repeat(5000)));
  }

  private static Arbitrary<byte[]> concatValues() {
    return Arbitraries.frequencyOf(
        Tuple.of(3, text(Arbitraries.of("partial", " partial ", "final;", "final; ", "final",
            "final;/files/" + UUID.randomUUID(), "final;/files/not-a-uuid",
            "final;http://evil.example/files/" + UUID.randomUUID(), "final;{EXISTING}",
            "final;{EXISTING} {EXISTING}", "final;{EXISTING} /files/" + UUID.randomUUID(),
            "final;" + ("/files/" + UUID.randomUUID() + " ").repeat(1001)))),
        Tuple.of(1, hostileValues()));
  }

  private static Arbitrary<java.util.Optional<Header>> tusResumable() {
    return Arbitraries.frequencyOf(
        Tuple.of(8, Arbitraries.just(java.util.Optional.of(Header.of("Tus-Resumable", "1.0.0")))),
        Tuple.of(2, optional("Tus-Resumable", Arbitraries.oneOf(
            text(Arbitraries.of("0.2.2", "1.0.0 ", "1.0", "", "1.0.0,1.0.0")), hostileValues()),
            0.7)));
  }

  private static Arbitrary<byte[]> contentTypes() {
    return Arbitraries.frequencyOf(
        Tuple.of(5, text(Arbitraries.just(OCTET))),
        Tuple.of(2, text(Arbitraries.of(OCTET + "; charset=utf-8", "APPLICATION/OFFSET+OCTET-STREAM",
            "text/plain", "application/octet-stream", ";", "", "multipart/form-data; boundary=x"))),
        Tuple.of(1, hostileValues()));
  }

  private static Arbitrary<byte[]> checksumValues() {
    return Arbitraries.oneOf(
        text(Arbitraries.of("sha1 " + b64("x"), "sha1 2jmj7l5rSw0yVb/vlWAYkK/YBwk=", "md5 !!!",
            "crc32 AAAA", "sha256", "sha1  x", "", "SHA1 2jmj7l5rSw0yVb/vlWAYkK/YBwk=")),
        hostileValues());
  }

  private static Arbitrary<List<Header>> extraHeaders() {
    Arbitrary<String> names =
        Arbitraries.oneOf(
            Arbitraries.of("Upload-Length", "Upload-Offset", "Upload-Metadata", "Tus-Resumable",
                "X-HTTP-Method-Override", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Request-Id",
                "Expect", "Trailer", "Content-Encoding", "Range"),
            Arbitraries.strings().withCharRange('a', 'z').withChars('-').ofMinLength(1)
                .ofMaxLength(20));
    return Combinators.combine(names, hostileValues()).as(Header::new).list().ofMaxSize(3);
  }

  /** A request body and how it is framed. */
  record Body(String label, List<Header> headers, byte[] bytes, boolean cutShort) {
    @Override
    public String toString() {
      return label + " " + headers + " (" + bytes.length + " bytes" + (cutShort ? ", cut" : "")
          + ")";
    }
  }

  @Provide
  Arbitrary<Body> bodies() {
    return Combinators.combine(
            Arbitraries.of("none", "none", "cl", "cl", "short", "long", "chunked", "chunked-bad",
                "chunked-cut", "cl-dup", "cl-garbage", "cl-and-chunked"),
            Arbitraries.integers().between(0, 3000),
            Arbitraries.integers().between(0, 1000))
        .as(HostileInputPropertiesIT::body);
  }

  private static Body body(String kind, int n, int k) {
    byte[] data = bytes(n, n * 31L + k);
    return switch (kind) {
      case "none" -> new Body(kind, List.of(), new byte[0], false);
      case "cl" -> new Body(kind, List.of(cl(n)), data, false);
      case "short" -> new Body(kind, List.of(cl(n + 1 + k)), data, true);
      case "long" -> new Body(kind, List.of(cl(n)), concat(data, bytes(k + 1, k)), false);
      case "chunked" -> new Body(kind, List.of(Header.of("Transfer-Encoding", "chunked")),
          chunked(data, k + 1), false);
      case "chunked-bad" -> new Body(kind, List.of(Header.of("Transfer-Encoding", "chunked")),
          concat("zz\r\n".getBytes(StandardCharsets.US_ASCII), data), true);
      case "chunked-cut" -> {
        byte[] c = chunked(data, k + 1);
        yield new Body(kind, List.of(Header.of("Transfer-Encoding", "chunked")),
            java.util.Arrays.copyOf(c, Math.max(0, c.length - 5)), true);
      }
      case "cl-dup" -> new Body(kind, List.of(cl(n), cl(n + 1)), data, true);
      case "cl-garbage" -> new Body(kind,
          List.of(Header.of("Content-Length", List.of("-1", "1e3", "abc", " ", "99999999999999999999",
              "0x10", n + ", " + n).get(k % 7))), data, true);
      case "cl-and-chunked" -> new Body(kind,
          List.of(cl(n), Header.of("Transfer-Encoding", "chunked")), chunked(data, k + 1), true);
      default -> throw new IllegalArgumentException(kind);
    };
  }

  // =============================================================== 2. PATCH/HEAD/DELETE

  /** One request on an existing upload; specs are resolved against its state when sent. */
  record Action(String method, String offset, String contentType, String checksum,
      String length, String size, String framing, int n) {}

  @Provide
  Arbitrary<Action> actions() {
    return Combinators.combine(
            Arbitraries.frequency(Tuple.of(8, "PATCH"), Tuple.of(2, "HEAD"), Tuple.of(1, "DELETE")),
            Arbitraries.frequency(Tuple.of(8, "cur"), Tuple.of(1, "cur+1"), Tuple.of(1, "cur-1"),
                Tuple.of(1, "0"), Tuple.of(1, "none"), Tuple.of(1, "=-1"), Tuple.of(1, "= 0"),
                Tuple.of(1, "=99999999999999999999"), Tuple.of(1, "=1\r\nX: y"),
                Tuple.of(1, "=abc")),
            Arbitraries.frequency(Tuple.of(8, OCTET), Tuple.of(1, "none"),
                Tuple.of(1, "application/octet-stream"), Tuple.of(1, OCTET + ";x=\u0000")),
            Arbitraries.frequency(Tuple.of(6, "none"), Tuple.of(2, "good-sha1"),
                Tuple.of(1, "good-md5"), Tuple.of(2, "bad-sha1"), Tuple.of(1, "=crc32 AAAA"),
                Tuple.of(1, "=sha1 !!!"), Tuple.of(1, "=sha1")),
            Arbitraries.frequency(Tuple.of(8, "none"), Tuple.of(2, "len"), Tuple.of(1, "len+1"),
                Tuple.of(1, "cur"), Tuple.of(1, "=abc"), Tuple.of(1, "=" + (MAX + 1))),
            Arbitraries.frequency(Tuple.of(5, "rest"), Tuple.of(3, "less"), Tuple.of(2, "more"),
                Tuple.of(1, "zero")),
            Arbitraries.frequency(Tuple.of(6, "cl"), Tuple.of(2, "short"), Tuple.of(2, "chunked"),
                Tuple.of(1, "chunked-trailer")),
            Arbitraries.integers().between(0, 5000))
        .as(Action::new);
  }

  @Property(tries = 120, shrinking = ShrinkingMode.BOUNDED, edgeCases = EdgeCasesMode.NONE)
  void patch_head_delete_keep_head_database_and_staging_in_step(
      @ForAll boolean deferred,
      @ForAll("lengths") int length,
      @ForAll("actionLists") List<Action> actions) {
    String path = create(length, deferred, null);
    long declared = deferred ? -1 : length;
    for (Action a : actions) {
      Head before = head(path);
      long cur = before.offset;
      Response r;
      switch (a.method()) {
        case "HEAD" -> {
          r = http.exchange(http.head("HEAD", path, List.of(Header.of("Tus-Resumable", "1.0.0"))),
              new byte[0], false, true);
        }
        case "DELETE" -> {
          r = http.exchange(http.head("DELETE", path,
              List.of(Header.of("Tus-Resumable", "1.0.0"))), new byte[0], false, false);
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
          h.add(Header.of("Tus-Resumable", "1.0.0"));
          spec(h, "Upload-Offset", a.offset(), cur, known);
          if (!a.contentType().equals("none")) {
            h.add(Header.of("Content-Type", a.contentType()));
          }
          String checksum = switch (a.checksum()) {
            case "good-sha1" -> "sha1 " + digest("SHA-1", data);
            case "good-md5" -> "md5 " + digest("MD5", data);
            case "bad-sha1" -> "sha1 " + digest("SHA-1", bytes(3, a.n()));
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
              body = chunked(data, 1 + a.n() % 700,
                  trailer && checksum.startsWith("=") ? checksum.substring(1)
                      : trailer ? checksum : null);
            }
            default -> {
              h.add(cl(size));
              body = data;
            }
          }
          r = http.exchange(http.head("PATCH", path, h), body, cut, false);
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

  @Provide
  Arbitrary<Integer> lengths() {
    return Arbitraries.frequency(Tuple.of(1, 0), Tuple.of(6, 1000), Tuple.of(2, 4000))
        .flatMap(max -> Arbitraries.integers().between(0, max));
  }

  @Provide
  Arbitrary<List<Action>> actionLists() {
    return actions().list().ofMinSize(1).ofMaxSize(5);
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

  @Property(tries = 200, shrinking = ShrinkingMode.BOUNDED, edgeCases = EdgeCasesMode.NONE)
  void api_list_never_answers_5xx(
      @ForAll("listParams") List<Map.Entry<String, String>> params, @ForAll boolean acceptJson) {
    String query =
        params.stream()
            .map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
            .collect(Collectors.joining("&"));
    List<Header> h = acceptJson ? List.of(Header.of("Accept", "application/json")) : List.of();
    Response r = http.exchange(http.head("GET", "/api/v1/uploads?" + query, h), new byte[0],
        false, false);
    assertApiAnswer("GET /api/v1/uploads?" + query, r);
  }

  @Provide
  Arbitrary<List<Map.Entry<String, String>>> listParams() {
    Arbitrary<String> names =
        Arbitraries.frequency(Tuple.of(2, "state"), Tuple.of(2, "limit"), Tuple.of(3, "cursor"),
            Tuple.of(2, "q"), Tuple.of(2, "sort"), Tuple.of(2, "order"), Tuple.of(1, "x"),
            Tuple.of(1, ""), Tuple.of(1, "state[]"));
    Arbitrary<String> values =
        Arbitraries.oneOf(
            Arbitraries.of("uploading", "stored", "deleted", "UPLOADING", "", "created", "size",
                "asc", "desc", "1", "500", "501", "0", "-1", "2147483648", "1e2", "%", "_",
                "\\", "' OR 1=1 --", "'; DROP TABLE uploads; --", "\u0000", "a\u0000b",
                "x".repeat(257), "x".repeat(256), "y".repeat(20_000)),
            Arbitraries.strings().all().ofMaxLength(30),
            cursors());
    return Combinators.combine(names, values).as(Map::entry).list().ofMaxSize(6);
  }

  /** Cursors: random, and well-formed base64url of hostile {@code kind|value|id} triples. */
  private static Arbitrary<String> cursors() {
    Arbitrary<String> kind = Arbitraries.of("t", "k", "x", "");
    Arbitrary<String> value =
        Arbitraries.oneOf(
            Arbitraries.of("2024-01-01T00:00Z", "+999999999-12-31T23:59:59.999999999-18:00",
                "-999999999-01-01T00:00+18:00", "0001-01-01T00:00Z", "300000-01-01T00:00Z",
                "-4714-11-24T00:00Z", "9223372036854775807", "-9223372036854775808", "-1", "0",
                "99999999999999999999", "NaN", ""),
            Arbitraries.strings().all().ofMaxLength(10));
    Arbitrary<String> id =
        Arbitraries.of(UUID.randomUUID().toString(), "1-1-1-1-1", "", "zz");
    return Combinators.combine(kind, value, id, Arbitraries.of("|", "||"))
        .as((k, v, i, sep) -> Base64.getUrlEncoder().withoutPadding()
            .encodeToString((k + sep + v + "|" + i).getBytes(StandardCharsets.UTF_8)));
  }

  @Property(tries = 200, shrinking = ShrinkingMode.BOUNDED, edgeCases = EdgeCasesMode.NONE)
  void api_upload_routes_never_answer_5xx(
      @ForAll("apiMethods") String method,
      @ForAll("idSegments") String id,
      @ForAll("routeSuffixes") String suffix,
      @ForAll("apiHeaders") List<Header> headers) {
    String target = "/api/v1/uploads/" + id.replace("{FINISHED}", finishedId) + suffix;
    Response r = http.exchange(http.head(method, target, headers), new byte[0], false,
        method.equals("HEAD"));
    assertApiAnswer(method + " " + target + " " + headers, r);
  }

  @Provide
  Arbitrary<String> apiMethods() {
    return Arbitraries.frequency(Tuple.of(6, "GET"), Tuple.of(2, "DELETE"), Tuple.of(2, "POST"),
        Tuple.of(1, "HEAD"), Tuple.of(1, "PUT"), Tuple.of(1, "PATCH"), Tuple.of(1, "OPTIONS"),
        Tuple.of(1, "BREW"));
  }

  @Provide
  Arbitrary<String> idSegments() {
    return Arbitraries.oneOf(
        Arbitraries.of("{FINISHED}", "{FINISHED}", UUID.randomUUID().toString(),
            UUID.randomUUID().toString().toUpperCase(Locale.ROOT), "1-1-1-1-1", "..", "%2e%2e",
            "%2F", "%00", "%20", "a%0d%0aSet-Cookie:x", "00000000-0000-0000-0000-000000000000",
            "x".repeat(5000), ";", "{FINISHED};jsessionid=1", "%7BFINISHED%7D"),
        Arbitraries.strings().all().ofMaxLength(40).map(HostileInputPropertiesIT::enc));
  }

  @Provide
  Arbitrary<String> routeSuffixes() {
    return Arbitraries.of("", "", "/content", "/content", "/timeline", "/retry", "/", "/x",
        "/content/", "/../../stats", "?x=1");
  }

  @Provide
  Arbitrary<List<Header>> apiHeaders() {
    Arbitrary<Header> h =
        Combinators.combine(
                Arbitraries.of("Range", "If-Range", "Accept", "If-None-Match", "X-Request-Id"),
                Arbitraries.oneOf(
                    text(Arbitraries.of("bytes=0-0", "bytes=1-", "bytes=-1", "bytes=-0",
                        "bytes=3-2", "bytes=0-99999999999999999999", "bytes=99999999999999999999-",
                        "bytes=0-1,2-3", "bytes=", "bytes=-", "items=0-1", "bytes=-9223372036854775808",
                        "application/json", "*/*", "\"x\"")),
                    hostileValues()))
            .as(Header::new);
    return h.list().ofMaxSize(3);
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

  @Property(tries = 40, shrinking = ShrinkingMode.BOUNDED, edgeCases = EdgeCasesMode.NONE)
  void metadata_cannot_inject_a_response_header(
      @ForAll("injections") String filename, @ForAll("injections") String filetype) {
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

    Response head = http.exchange(http.head("HEAD", path,
        List.of(Header.of("Tus-Resumable", "1.0.0"))), new byte[0], false, true);
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
    Response get = http.exchange(http.head("GET", "/api/v1/uploads/" + id + "/content",
        List.of()), new byte[0], false, false);
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

  @Provide
  Arbitrary<String> injections() {
    return Arbitraries.oneOf(
        decodedValues(),
        Arbitraries.strings().ascii().ofMaxLength(10)
            .map(s -> s + "\r\nSet-Cookie: x=y\r\n" + s));
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
        sleep(100);
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
      sleep(100);
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
        if ((row.state.equals("deleted") || row.state.equals("stored")
                && !row.type.equals("partial")) && staged != -1) {
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
    Response r = http.exchange(http.head("HEAD", path,
        List.of(Header.of("Tus-Resumable", "1.0.0"))), new byte[0], false, true);
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
    h.add(Header.of("Tus-Resumable", "1.0.0"));
    h.add(deferred ? Header.of("Upload-Defer-Length", "1")
        : Header.of("Upload-Length", Long.toString(length)));
    if (metadata != null) {
      h.add(Header.of("Upload-Metadata", metadata));
    }
    h.add(cl(0));
    return http.exchange(http.head("POST", "/files/", h), new byte[0], false, false);
  }

  private static Response patch(String path, long offset, byte[] body, List<Header> extra) {
    List<Header> h = new ArrayList<>();
    h.add(Header.of("Tus-Resumable", "1.0.0"));
    h.add(Header.of("Upload-Offset", Long.toString(offset)));
    h.add(Header.of("Content-Type", OCTET));
    h.add(cl(body.length));
    h.addAll(extra);
    return http.exchange(http.head("PATCH", path, h), body, false, false);
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

  private static byte[] chunked(byte[] data, int piece) {
    return chunked(data, piece, null);
  }

  private static byte[] chunked(byte[] data, int piece, String trailerChecksum) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int i = 0; i < data.length; i += piece) {
      int n = Math.min(piece, data.length - i);
      b.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      b.write(data, i, n);
      b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    }
    b.writeBytes("0\r\n".getBytes(StandardCharsets.US_ASCII));
    if (trailerChecksum != null) {
      b.writeBytes(("Upload-Checksum: " + trailerChecksum + "\r\n")
          .getBytes(StandardCharsets.UTF_8));
    }
    b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
    return b.toByteArray();
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }

  private static String digest(String algorithm, byte[] data) {
    try {
      return Base64.getEncoder().encodeToString(MessageDigest.getInstance(algorithm).digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
