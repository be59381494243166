package dev.forgeupload.staging;

import dev.forgeupload.core.StagingStore;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.time.Duration;
import java.nio.file.DirectoryStream;
import dev.forgeupload.core.UploadIds;
import org.apache.commons.io.input.BoundedInputStream;

/**
 * Staged bytes as one file per upload under {@code <data>/staging/<id>.bin}. The file name comes
 * from the UUID only, never from client input.
 */
public final class DiskStagingStore implements StagingStore {
  private final Path dir;

  public DiskStagingStore(Path dir) throws IOException {
    this.dir = Files.createDirectories(dir);
  }

  private Path file(UUID id) {
    return dir.resolve(id + ".bin");
  }

  @Override
  public Writer openWriter(UUID id, long offset) throws IOException {
    FileChannel ch =
        FileChannel.open(file(id), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    try {
      if (ch.size() > offset) {
        ch.truncate(offset);
      } else if (ch.size() < offset) {
        throw new MissingBytesException(
            "staged file of " + id + " has " + ch.size() + " bytes, expected " + offset);
      }
      ch.position(offset);
      return new DiskWriter(ch);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
  }

  @Override
  public InputStream read(UUID id, long from, long count) throws IOException {
    FileChannel ch = FileChannel.open(file(id), StandardOpenOption.READ);
    ch.position(from);
    return BoundedInputStream.builder()
        .setInputStream(Channels.newInputStream(ch))
        .setMaxCount(count)
        .get();
  }

  @Override
  public long size(UUID id) throws IOException {
    try {
      return Files.size(file(id));
    } catch (NoSuchFileException e) {
      return 0;
    }
  }

  @Override
  public void delete(UUID id) throws IOException {
    Files.deleteIfExists(file(id));
  }

  @Override
  public List<Entry> list() {
    List<Entry> out = new ArrayList<>();
    long now = System.currentTimeMillis();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.bin")) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        Optional<UUID> id = UploadIds.parse(name.substring(0, name.length() - 4));
        if (id.isPresent()) {
          long modified = Files.getLastModifiedTime(f).toMillis();
          out.add(new Entry(id.get(), Duration.ofMillis(Math.max(0, now - modified))));
        }
      }
    } catch (IOException e) {
      // a file vanished or the directory is unreadable: list what we saw
    }
    return out;
  }

  private static final class DiskWriter implements Writer {
    private final FileChannel ch;
    private volatile long position;

    DiskWriter(FileChannel ch) throws IOException {
      this.ch = ch;
      this.position = ch.position();
    }

    @Override
    public void write(byte[] buf, int off, int len) throws IOException {
      ByteBuffer bb = ByteBuffer.wrap(buf, off, len);
      while (bb.hasRemaining()) {
        ch.write(bb);
      }
      position += len;
    }

    @Override
    public void force() throws IOException {
      ch.force(false);
    }

    @Override
    public void truncate(long offset) throws IOException {
      ch.truncate(offset);
      ch.position(offset);
      position = offset;
      ch.force(false);
    }

    @Override
    public long position() {
      return position;
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }
}
