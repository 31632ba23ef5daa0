namespace Codex.Auth.Testing.Internal;

/// <summary>An issued authorization code waiting to be exchanged.</summary>
internal sealed record AuthorizationCodeGrant(string CodeChallenge, string RedirectUri, FakeAccount Account, DateTimeOffset ExpiresAt);
