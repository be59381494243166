package dev.forgeupload.security;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/** JWTs for the tests: good ones, and the forgeries an attacker would try. */
public final class Tokens {
  private Tokens() {}

  static JWTClaimsSet.Builder claims(String sub, Duration validFor) {
    Instant now = Instant.now();
    return new JWTClaimsSet.Builder()
        .subject(sub)
        .issueTime(Date.from(now))
        .expirationTime(Date.from(now.plus(validFor)));
  }

  static String hs256(String secret, JWTClaimsSet claims) {
    try {
      SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
      jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String hs256(String secret, String sub) {
    return hs256(secret, claims(sub, Duration.ofMinutes(10)).build());
  }

  public static String admin(String secret) {
    return hs256(secret, claims("root", Duration.ofMinutes(10)).claim("scope", "read admin").build());
  }

  static String rs256(RSAKey key, JWTClaimsSet claims) {
    try {
      SignedJWT jwt =
          new SignedJWT(new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(),
              claims);
      jwt.sign(new RSASSASigner(key));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }

  /** {@code alg=none}: no signature at all. */
  static String unsigned(JWTClaimsSet claims) {
    return new PlainJWT(claims).serialize();
  }
}
