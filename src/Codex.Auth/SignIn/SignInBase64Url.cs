namespace Codex.Auth.SignIn;

/// <summary>Base64url without padding (RFC 4648 §5), for PKCE values and JWT payloads. Works on net8.0, which lacks <c>Base64Url</c>.</summary>
internal static class SignInBase64Url
{
    public static string Encode(ReadOnlySpan<byte> bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <exception cref="FormatException">The text is not base64url.</exception>
    public static byte[] Decode(string text)
    {
        if (text.Contains('+', StringComparison.Ordinal) || text.Contains('/', StringComparison.Ordinal))
        {
            throw new FormatException("Not base64url.");
        }

        string b64 = text.TrimEnd('=').Replace('-', '+').Replace('_', '/');
        switch (b64.Length % 4)
        {
            case 2: b64 += "=="; break;
            case 3: b64 += "="; break;
            case 1: throw new FormatException("Not base64url.");
        }

        return Convert.FromBase64String(b64);
    }
}
