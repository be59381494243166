package dev.forgeupload.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.source.ImmutableJWKSet;
import com.nimbusds.jose.jwk.source.ImmutableSecret;
import com.nimbusds.jose.jwk.source.JWKSource;
import com.nimbusds.jose.jwk.source.JWKSourceBuilder;
import com.nimbusds.jose.proc.BadJOSEException;
import com.nimbusds.jose.proc.JWSKeySelector;
import com.nimbusds.jose.proc.JWSVerificationKeySelector;
import com.nimbusds.jose.proc.SecurityContext;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.nimbusds.jwt.proc.DefaultJWTClaimsVerifier;
import com.nimbusds.jwt.proc.DefaultJWTProcessor;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Bearer JWTs, verified by nimbus-jose-jwt: HS256 with {@code FORGE_AUTH_JWT_SECRET}, or
 * RS256/ES256 with keys from {@code FORGE_AUTH_JWKS} (a file, or a URL fetched and cached). The
 * algorithm comes from our configuration, never from the token, so {@code alg=none} and algorithm
 * confusion fail; {@code sub} and {@code exp} are required, expired tokens fail.
 */
public final class JwtVerifier {
  private final DefaultJWTProcessor<SecurityContext> processor = new DefaultJWTProcessor<>();

  /**
   * The keys and required claims: an HS256 {@code secret}, or else {@code jwks} (a file path or an
   * http(s) URL); {@code issuer} and {@code audience} are required when not null.
   */
  public record Settings(String secret, String jwks, String issuer, String audience) {}

  /** Throws IllegalArgumentException, naming the variable, for a JWKS that cannot be used. */
  public JwtVerifier(Settings settings) {
    JWSKeySelector<SecurityContext> keys;
    if (settings.secret() != null) {
      keys =
          new JWSVerificationKeySelector<>(
              JWSAlgorithm.HS256,
              new ImmutableSecret<>(settings.secret().getBytes(StandardCharsets.UTF_8)));
    } else {
      keys =
          new JWSVerificationKeySelector<>(
              Set.of(JWSAlgorithm.RS256, JWSAlgorithm.ES256), jwkSource(settings.jwks()));
    }
    processor.setJWSKeySelector(keys);
    JWTClaimsSet.Builder exact = new JWTClaimsSet.Builder();
    if (settings.issuer() != null) {
      exact.issuer(settings.issuer());
    }
    processor.setJWTClaimsSetVerifier(
        new DefaultJWTClaimsVerifier<>(
            settings.audience(), exact.build(), Set.of("sub", "exp")));
  }

  private static JWKSource<SecurityContext> jwkSource(String jwks) {
    if (jwks.startsWith("https://") || jwks.startsWith("http://")) {
      try {
        return JWKSourceBuilder.create(URI.create(jwks).toURL()).retrying(true).build();
      } catch (IOException | IllegalArgumentException e) {
        throw new IllegalArgumentException("FORGE_AUTH_JWKS is not a usable URL: " + jwks);
      }
    }
    try {
      return new ImmutableJWKSet<>(JWKSet.load(new File(jwks)));
    } catch (IOException | ParseException e) {
      throw new IllegalArgumentException(
          "FORGE_AUTH_JWKS: cannot read a JWK set from file " + jwks + " (" + e.getMessage() + ")");
    }
  }

  /** The principal a valid token names; empty for any invalid token. */
  public Optional<Principal> verify(String token) {
    JWTClaimsSet claims;
    try {
      SignedJWT jwt = SignedJWT.parse(token);
      if (!numericDates(jwt.getPayload().toJSONObject())) {
        return Optional.empty();
      }
      claims = processor.process(jwt, null);
    } catch (ParseException | BadJOSEException | JOSEException | RuntimeException e) {
      return Optional.empty();
    }
    String subject = claims.getSubject();
    if (subject == null || subject.isBlank() || subject.length() > 255
        || Principal.hasControl(subject)) {
      return Optional.empty();
    }
    // exp is required by the claims verifier, so it is present here
    return Optional.of(
        new Principal(subject, hasAdminScope(claims.getClaim("scope")), "jwt",
            claims.getExpirationTime().toInstant(), null));
  }

  /**
   * RFC 7519's time claims as the token carries them: {@code exp} a number (a JSON {@code null}
   * would read as "no expiry"), {@code nbf} and {@code iat} numbers when present. Anything else
   * makes the token invalid rather than leaving the claim out.
   */
  static boolean numericDates(Map<String, Object> payload) {
    if (payload == null || !(payload.get("exp") instanceof Number)) {
      return false;
    }
    for (String name : List.of("nbf", "iat")) {
      if (payload.containsKey(name) && !(payload.get(name) instanceof Number)) {
        return false;
      }
    }
    return true;
  }

  /** OAuth 2 convention: a space-separated {@code scope} string (a list is accepted too). */
  private static boolean hasAdminScope(Object scope) {
    if (scope instanceof String s) {
      for (String part : s.split(" ")) {
        if (part.equals("admin")) {
          return true;
        }
      }
    } else if (scope instanceof Collection<?> c) {
      return c.contains("admin");
    }
    return false;
  }
}
