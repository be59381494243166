package dev.forgeupload.core;

import static dev.forgeupload.core.TypePatterns.REGISTRY;
import static dev.forgeupload.core.TypePatterns.TYPES;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.tika.metadata.Metadata;
import org.apache.tika.metadata.TikaCoreProperties;
import org.apache.tika.mime.MediaType;

/**
 * What a client's {@link ContentPolicy.Claim} says an upload is: its metadata type, else the type
 * its filename's extension stands for (Tika's name patterns, and the extensions that desktops
 * run which Tika does not know).
 */
final class TypeClaims {
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

  private TypeClaims() {}

  /** The client's claim: its metadata type, else what the filename's extension says. */
  static MediaType claimedType(ContentPolicy.Claim claim) {
    if (claim == null) {
      return null;
    }
    MediaType type = TypePatterns.parse(claim.type());
    if (type != null) {
      return type;
    }
    if (claim.filename() != null && !claim.filename().isBlank()) {
      MediaType t = typeOfName(claim.filename());
      return t.equals(MediaType.OCTET_STREAM) ? null : REGISTRY.normalize(t.getBaseType());
    }
    return null;
  }

  /**
   * Why the claim names a denied type, if it does: the metadata type, or the type the filename's
   * extension stands for, either one. Empty when the claim may stand.
   */
  static Optional<String> deniedReason(ContentPolicy.Claim claim, List<String> denied) {
    if (claim == null) {
      return Optional.empty();
    }
    MediaType type = TypePatterns.parse(claim.type());
    if (type != null && TypePatterns.matchesAny(type, denied)) {
      return Optional.of("the claimed type " + type + " is not accepted here");
    }
    String name = claim.filename() == null ? null : runnableName(claim.filename());
    if (name == null) {
      return Optional.empty();
    }
    for (MediaType t : typesOfName(name)) {
      if (TypePatterns.matchesAny(t, denied)) {
        String ext = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
        return Optional.of(
            "files named *." + ext + " (" + t.getBaseType() + ") are not accepted here");
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
    MediaType t = typeOfName(name);
    if (!t.equals(MediaType.OCTET_STREAM)) {
      out.add(REGISTRY.normalize(t.getBaseType()));
    }
    String ext = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
    String extra = RUNNABLE_EXTENSIONS.get(ext);
    if (extra != null) {
      out.add(MediaType.parse(extra));
    }
    return out;
  }

  /** Tika's type for a resource name alone (octet-stream when the name says nothing). */
  private static MediaType typeOfName(String name) {
    Metadata m = new Metadata();
    m.set(TikaCoreProperties.RESOURCE_NAME_KEY, name);
    try {
      return TYPES.detect(null, m);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
