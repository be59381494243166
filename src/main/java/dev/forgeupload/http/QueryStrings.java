package dev.forgeupload.http;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Query strings the servlet container cannot decode ({@code %ff}, {@code %C0%AE}, a lone
 * {@code %}): its {@code getParameter} throws on them, which would surface as a 500, so {@link
 * AuthFilter} refuses them with a 400 before anything reads a parameter, on every route.
 */
final class QueryStrings {
  private QueryStrings() {}

  /** True when every {@code %XX} is hex and the decoded bytes are well-formed UTF-8. */
  static boolean valid(String query) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(query.length());
    for (int i = 0; i < query.length(); i++) {
      char c = query.charAt(i);
      if (c == '%') {
        if (i + 2 >= query.length()) {
          return false;
        }
        int hi = Character.digit(query.charAt(i + 1), 16);
        int lo = Character.digit(query.charAt(i + 2), 16);
        if (hi < 0 || lo < 0) {
          return false;
        }
        bytes.write(hi << 4 | lo);
        i += 2;
      } else if (c < 0x80) {
        bytes.write(c);
      } else {
        byte[] raw = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        bytes.write(raw, 0, raw.length);
      }
    }
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes.toByteArray()));
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }
}
