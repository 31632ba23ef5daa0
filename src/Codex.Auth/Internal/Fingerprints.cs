using System.Security.Cryptography;
using System.Text;

namespace Codex.Auth.Internal;

/// <summary>Short, non-reversible identifiers for secrets, safe to log.</summary>
internal static class Fingerprints
{
    /// <summary>The first 8 lowercase hex characters of the SHA-256 of <paramref name="secret"/>'s UTF-8 bytes.</summary>
    public static string Of(string secret)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(secret), hash);
        return Convert.ToHexString(hash[..4]).ToLowerInvariant();
    }
}
