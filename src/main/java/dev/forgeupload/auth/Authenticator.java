package dev.forgeupload.auth;

import java.util.Optional;

/** Bearer credential to principal: API keys ({@code fu_...}) and, when configured, JWTs. */
public final class Authenticator {
  private static final int MAX_TOKEN_CHARS = 8192;

  private final ApiKeys apiKeys;
  private final JwtVerifier jwt; // null: API keys only

  public Authenticator(ApiKeys apiKeys, JwtVerifier jwt) {
    this.apiKeys = apiKeys;
    this.jwt = jwt;
  }

  public Optional<Principal> authenticate(String token) {
    if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_CHARS) {
      return Optional.empty();
    }
    if (token.startsWith(ApiKeys.PREFIX)) {
      return apiKeys.authenticate(token);
    }
    if (jwt != null && token.chars().filter(c -> c == '.').count() == 2) {
      return jwt.verify(token);
    }
    return Optional.empty();
  }
}
