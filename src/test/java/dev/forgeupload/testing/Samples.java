package dev.forgeupload.testing;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import javax.imageio.ImageIO;

/** Real file prefixes, made here, for the content checks: images, documents, executables. */
public final class Samples {
  private Samples() {}

  /** A Windows PE32 executable's headers: DOS stub "MZ", e_lfanew = 0x80, "PE\0\0", i386. */
  public static byte[] windowsExe(int size) {
    ByteBuffer b = ByteBuffer.allocate(Math.max(size, 512)).order(ByteOrder.LITTLE_ENDIAN);
    b.put(0, (byte) 'M').put(1, (byte) 'Z');
    b.putShort(2, (short) 0x90); // bytes on the last page
    b.putInt(0x3c, 0x80); // e_lfanew: where the PE header starts
    byte[] stub = "This program cannot be run in DOS mode.\r\r\n$".getBytes(StandardCharsets.US_ASCII);
    b.put(0x4e, stub);
    b.put(0x80, new byte[] {'P', 'E', 0, 0});
    b.putShort(0x84, (short) 0x014c); // machine: i386
    b.putShort(0x86, (short) 3); // sections
    b.putShort(0x94, (short) 0xe0); // optional header size
    b.putShort(0x96, (short) 0x0102); // characteristics: executable, 32-bit
    b.putShort(0x98, (short) 0x010b); // PE32 magic
    byte[] out = new byte[size];
    System.arraycopy(b.array(), 0, out, 0, Math.min(size, 512));
    for (int i = 512; i < size; i++) {
      out[i] = (byte) (i * 31);
    }
    return out;
  }

  /** A 64-bit little-endian ELF executable's header (x86-64). */
  public static byte[] elfExecutable() {
    ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {0x7f, 'E', 'L', 'F', 2, 1, 1, 0});
    b.putShort(16, (short) 2); // ET_EXEC
    b.putShort(18, (short) 0x3e); // x86-64
    b.putInt(20, 1);
    return b.array();
  }

  /** A 64-bit Mach-O executable's header (little-endian, MH_EXECUTE). */
  public static byte[] machO() {
    ByteBuffer b = ByteBuffer.allocate(256).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0xcf, (byte) 0xfa, (byte) 0xed, (byte) 0xfe});
    b.putInt(4, 0x01000007); // x86-64
    b.putInt(12, 2); // MH_EXECUTE
    return b.array();
  }

  public static byte[] png(int width, int height) {
    return image("png", width, height, BufferedImage.TYPE_INT_RGB);
  }

  /** A PNG of random pixels: it hardly compresses, so it is about 3 bytes a pixel. */
  public static byte[] noisyPng(int width, int height) {
    BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    java.util.SplittableRandom r = new java.util.SplittableRandom(42);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        img.setRGB(x, y, r.nextInt(1 << 24));
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      ImageIO.write(img, "png", out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public static byte[] jpeg(int width, int height) {
    return image("jpeg", width, height, BufferedImage.TYPE_INT_RGB);
  }

  public static byte[] gif(int width, int height) {
    return image("gif", width, height, BufferedImage.TYPE_BYTE_INDEXED);
  }

  private static byte[] image(String format, int width, int height, int type) {
    BufferedImage img = new BufferedImage(width, height, type);
    for (int y = 0; y < height; y++) {
      for (int x = 0; x < width; x++) {
        img.setRGB(x, y, (x * 255 / width) << 16 | (y * 255 / height) << 8 | ((x ^ y) & 0xff));
      }
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(img, format, out)) {
        throw new IllegalStateException("no ImageIO writer for " + format);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public static byte[] pdf() {
    return ("%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            + "2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  public static byte[] zip() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (ZipOutputStream z = new ZipOutputStream(out)) {
      z.putNextEntry(new ZipEntry("readme.txt"));
      z.write("hello from a zip\n".getBytes(StandardCharsets.UTF_8));
      z.closeEntry();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  public static byte[] text(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
