using System.Security.Cryptography;
using System.Text;

namespace Codex.Auth.Internal;

/// <summary>Short, non-reversible identifiers for secrets, safe to log.</summary>
internal static class Fingerprints
{
    /// <summary>The first 8 lowercase hex characters of the SHA-256 of <paramref name="secret"/>'s UTF-8 bytes.</summary>
    public static string Of(string secret) => Of(secret.AsSpan());

    /// <summary>The first 8 lowercase hex characters of the SHA-256 of <paramref name="secret"/>'s UTF-8 bytes; allocates only the result.</summary>
    public static string Of(ReadOnlySpan<char> secret)
    {
        Span<byte> hash = stackalloc byte[32];
        int max = Encoding.UTF8.GetMaxByteCount(secret.Length);
        byte[]? rented = null;
        Span<byte> utf8 = max <= 1024 ? stackalloc byte[max] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(max));
        try
        {
            int length = Encoding.UTF8.GetBytes(secret, utf8);
            SHA256.HashData(utf8[..length], hash);
            CryptographicOperations.ZeroMemory(utf8[..length]);
        }
        finally
        {
            if (rented is not null)
            {
                System.Buffers.ArrayPool<byte>.Shared.Return(rented);
            }
        }

        uint first4 = hash[0] | ((uint)hash[1] << 8) | ((uint)hash[2] << 16) | ((uint)hash[3] << 24);
        return string.Create(8, first4, static (chars, value) =>
        {
            // The first four hash bytes, in order, as lowercase hex.
            for (int i = 0; i < 4; i++)
            {
                byte b = (byte)(value >> (8 * i));
                chars[2 * i] = "0123456789abcdef"[b >> 4];
                chars[(2 * i) + 1] = "0123456789abcdef"[b & 0xF];
            }
        });
    }
}
