package dev.forgeupload.client;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Which upload URL belongs to which file, kept between runs (tus-js-client's URL storage): one
 * small JSON file per fingerprint in a private folder ({@code ~/.forgeupload/uploads/} unless
 * told otherwise). A fingerprint names the tus endpoint, the file's real path, its size and its
 * modification time, so a changed file or another server never finds an old URL. Entries are
 * replaced atomically (write aside, rename), so a client killed mid-write leaves the old entry or
 * the new one, never half of one; concurrent runs on different files never touch the same file.
 * Entries stay after a finished upload, so running the same command again finds the file
 * complete on the server and sends nothing.
 */
public final class FingerprintStore {
  /** One partial upload of a file sent in parallel parts: bytes {@code [start, end)}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Part(long start, long end, String url) {
    public Part withUrl(String newUrl) {
      return new Part(start, end, newUrl);
    }
  }

  /**
   * A file's upload: {@code url} is the upload (or, for parts, the final upload once created);
   * {@code parts} is null for a file sent as one upload.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Entry(String fingerprint, String file, long size, String url, List<Part> parts) {
    public Entry withUrl(String newUrl) {
      return new Entry(fingerprint, file, size, newUrl, parts);
    }

    public Entry withParts(List<Part> newParts) {
      return new Entry(fingerprint, file, size, url, List.copyOf(newParts));
    }
  }

  private static final ObjectMapper JSON =
      new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

  private final Path dir;

  /** A store in {@code dir} (created, private to the user where the file system allows). */
  public FingerprintStore(Path dir) throws IOException {
    this.dir = dir;
    if (!Files.isDirectory(dir)) {
      try {
        Files.createDirectories(
            dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (UnsupportedOperationException notPosix) {
        Files.createDirectories(dir);
      } catch (FileAlreadyExistsException raced) {
        // another run created it
      }
    }
  }

  /** The default place: {@code ~/.forgeupload/uploads}. */
  public static Path defaultDir() {
    return Path.of(System.getProperty("user.home"), ".forgeupload", "uploads");
  }

  public Path dir() {
    return dir;
  }

  /**
   * The fingerprint of a file for an endpoint: the endpoint, the real path, size, modification
   * time in milliseconds.
   */
  public static String fingerprint(String endpoint, Path realPath, long size, long mtimeMillis) {
    return "forgeupload-v1 " + endpoint + " " + size + " " + mtimeMillis + " " + realPath;
  }

  /** The entry stored for a fingerprint; empty when there is none or it is unreadable. */
  public Optional<Entry> get(String fingerprint) {
    Path f = file(fingerprint);
    try {
      Entry e = JSON.readValue(Files.readString(f, StandardCharsets.UTF_8), Entry.class);
      // a hash collision or a hand-edited file must never resume someone else's upload
      return fingerprint.equals(e.fingerprint()) ? Optional.of(e) : Optional.empty();
    } catch (NoSuchFileException missing) {
      return Optional.empty();
    } catch (IOException | RuntimeException unreadable) {
      return Optional.empty(); // a broken entry is as good as none; the next put replaces it
    }
  }

  /** Stores (replaces) the entry for its fingerprint. */
  public void put(Entry entry) throws IOException {
    Path target = file(entry.fingerprint());
    Path tmp = Files.createTempFile(dir, ".entry-", ".tmp");
    try {
      Files.writeString(tmp, toJson(entry), StandardCharsets.UTF_8);
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Forgets a fingerprint (no error when it was not stored). */
  public void remove(String fingerprint) throws IOException {
    Files.deleteIfExists(file(fingerprint));
  }

  private Path file(String fingerprint) {
    return dir.resolve(sha256(fingerprint) + ".json");
  }

  private static String toJson(Entry entry) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(entry);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
