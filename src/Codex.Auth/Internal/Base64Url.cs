namespace Codex.Auth.Internal;

/// <summary>base64url without padding (RFC 4648 §5), as JWTs use it.</summary>
internal static class Base64Url
{
    public static byte[]? TryDecode(string text)
    {
        string s = text.Replace('-', '+').Replace('_', '/');
        switch (s.Length % 4)
        {
            case 2: s += "=="; break;
            case 3: s += "="; break;
            case 1: return null;
        }

        byte[] buffer = new byte[s.Length / 4 * 3];
        return Convert.TryFromBase64String(s, buffer, out int written) ? buffer[..written] : null;
    }

    public static string Encode(ReadOnlySpan<byte> bytes)
    {
        string s = Convert.ToBase64String(bytes);
        return s.TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }
}
