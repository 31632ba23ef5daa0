using System.Security.Cryptography;
using System.Text;
using Codex.Auth.Internal;

namespace Codex.Auth.SignIn;

/// <summary>PKCE (RFC 7636, S256) and the OAuth <c>state</c>, generated as the Codex CLI does (PROTOCOL §8).</summary>
internal static class Pkce
{
    /// <summary>base64url of 64 random bytes.</summary>
    public static string CreateVerifier() => Base64Url.Encode(RandomNumberGenerator.GetBytes(64));

    /// <summary>base64url of SHA-256 of the verifier's ASCII bytes.</summary>
    public static string ChallengeOf(string verifier) => Base64Url.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier)));

    /// <summary>base64url of 32 random bytes.</summary>
    public static string CreateState() => Base64Url.Encode(RandomNumberGenerator.GetBytes(32));
}
