package dev.forgeupload.bench;

import io.minio.MinioClient;
import io.minio.PutObjectArgs;
import io.minio.RemoveObjectArgs;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import org.apache.commons.io.input.BoundedInputStream;

/**
 * The ceiling for the storage worker in {@code scripts/bench} (row 6): one plain MinIO-client
 * {@code putObject} of a file, with the worker's part size, to the same S3 endpoint. The file is
 * opened the way the worker opens staged bytes (a {@code FileChannel} stream), but without the
 * worker's SHA-256 and byte counting on top.
 *
 * <pre>
 *   java -cp target/test-classes:target/classes:target/lib/* dev.forgeupload.bench.PutObjectBench \
 *       ENDPOINT ACCESS_KEY SECRET_KEY BUCKET FILE PART_BYTES [KEY] [WARMUP_BYTES]
 * </pre>
 *
 * Before the measured put, WARMUP_BYTES (default: two parts and a bit, at most the file) of the
 * file are put once, unmeasured, so the JIT has seen the upload path as it has in the warm
 * server. Both objects are removed afterwards (outside the measured time). Prints one line of
 * JSON: bytes, seconds, mbPerSec (10^6 B/s), partBytes, cpuSec (this JVM, measured put only), and
 * with {@code PUTOBJECT_BENCH_WATCH_PID} set (e.g. the embedded S3Proxy), watchCpuSec: that
 * process's utime+stime over the measured put ({@code /proc}, {@code CLK_TCK} from the env, 100)
 * and watchWriteBytes, the bytes it passed to write(2) meanwhile ({@code wchar} in /proc/PID/io).
 */
public final class PutObjectBench {
  private PutObjectBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 6) {
      System.err.println(
          "usage: PutObjectBench ENDPOINT ACCESS_KEY SECRET_KEY BUCKET FILE PART_BYTES [KEY] [WARMUP_BYTES]");
      System.exit(2);
    }
    String endpoint = args[0];
    String bucket = args[3];
    Path file = Path.of(args[4]);
    long part = Long.parseLong(args[5]);
    String key = args.length > 6 ? args[6] : "bench/putobject-" + ProcessHandle.current().pid();
    long size = Files.size(file);
    long warm = Math.min(size, args.length > 7 ? Long.parseLong(args[7]) : 2 * part + 4096);

    MinioClient client =
        MinioClient.builder()
            .endpoint(endpoint)
            .credentials(args[1], args[2])
            .region(System.getenv().getOrDefault("FORGE_S3_REGION", "us-east-1"))
            .build();

    if (warm > 0) {
      put(client, bucket, key + ".warmup", file, warm, part);
      client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key + ".warmup").build());
    }

    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    String watch = System.getenv("PUTOBJECT_BENCH_WATCH_PID");
    double clk = Double.parseDouble(System.getenv().getOrDefault("CLK_TCK", "100"));
    long w0 = ticks(watch);
    long io0 = wchar(watch);
    long cpu0 = os.getProcessCpuTime();
    long t0 = System.nanoTime();
    put(client, bucket, key, file, size, part);
    double sec = (System.nanoTime() - t0) / 1e9;
    double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
    long w1 = ticks(watch);
    long io1 = wchar(watch);
    String watchCpu = w0 < 0 || w1 < 0 ? "null" : String.format(Locale.ROOT, "%.3f", (w1 - w0) / clk);
    if (!"true".equals(System.getenv("PUTOBJECT_BENCH_KEEP"))) {
      client.removeObject(RemoveObjectArgs.builder().bucket(bucket).object(key).build());
    }
    System.out.println(
        String.format(
            Locale.ROOT,
            "{\"bytes\":%d,\"seconds\":%.4f,\"mbPerSec\":%.2f,\"partBytes\":%d,\"cpuSec\":%.3f,"
                + "\"watchCpuSec\":%s,\"watchWriteBytes\":%s,\"warmupBytes\":%d,\"key\":\"%s\"}",
            size, sec, size / 1e6 / sec, part, cpu, watchCpu,
            io0 < 0 || io1 < 0 ? "null" : Long.toString(io1 - io0), warm, key));
    // OkHttp's dispatcher threads are not daemons and idle for 60 s before they end.
    System.exit(0);
  }

  /** utime+stime of a process in clock ticks, or -1. */
  private static long ticks(String pid) {
    if (pid == null || !pid.matches("\\d+")) {
      return -1;
    }
    try {
      String stat = Files.readString(Path.of("/proc", pid, "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** Bytes a process passed to write(2) so far ({@code wchar}), or -1. */
  private static long wchar(String pid) {
    if (pid == null || !pid.matches("\\d+")) {
      return -1;
    }
    try {
      for (String line : Files.readAllLines(Path.of("/proc", pid, "io"))) {
        if (line.startsWith("wchar:")) {
          return Long.parseLong(line.substring(6).trim());
        }
      }
    } catch (IOException | RuntimeException e) {
      // not readable
    }
    return -1;
  }

  private static void put(
      MinioClient client, String bucket, String key, Path file, long length, long part)
      throws Exception {
    FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
    try (InputStream in =
        BoundedInputStream.builder()
            .setInputStream(Channels.newInputStream(ch))
            .setMaxCount(length)
            .get()) {
      client.putObject(
          PutObjectArgs.builder()
              .bucket(bucket)
              .object(key)
              .stream(in, length, part)
              .contentType("application/octet-stream")
              .build());
    } catch (IOException e) {
      throw new IOException("put " + key + ": " + e.getMessage(), e);
    }
  }
}
