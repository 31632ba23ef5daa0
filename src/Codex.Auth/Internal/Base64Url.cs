using System.Buffers;

namespace Codex.Auth.Internal;

/// <summary>Base64url (RFC 4648 §5) without padding — JWTs, PKCE, assertions — and a lenient decoder for either base64 alphabet. (net8.0 has no <c>System.Buffers.Text.Base64Url</c>.)</summary>
internal static class Base64Url
{
    /// <summary>The length of <paramref name="byteCount"/> bytes as base64url without padding.</summary>
    public static int EncodedLength(int byteCount) => ((byteCount * 4) + 2) / 3;

    /// <summary>
    /// Writes <paramref name="data"/> as base64url without padding into <paramref name="destination"/>, which must hold
    /// <see cref="EncodedLength"/> characters plus 2 (the padding written and dropped); returns the characters written.
    /// </summary>
    public static int EncodeTo(ReadOnlySpan<byte> data, Span<char> destination)
    {
        if (!Convert.TryToBase64Chars(data, destination, out int written))
        {
            throw new InvalidOperationException("Base64 buffer too small.");
        }

        while (written > 0 && destination[written - 1] == '=')
        {
            written--;
        }

        Span<char> text = destination[..written];
        for (int i = 0; i < text.Length; i++)
        {
            text[i] = text[i] switch
            {
                '+' => '-',
                '/' => '_',
                char c => c,
            };
        }

        return written;
    }

    /// <summary>Encodes <paramref name="data"/> as base64url without padding.</summary>
    public static string Encode(ReadOnlySpan<byte> data)
    {
        int length = ((data.Length + 2) / 3) * 4;
        char[]? rented = null;
        Span<char> buffer = length <= 512 ? stackalloc char[length] : (rented = ArrayPool<char>.Shared.Rent(length));
        try
        {
            if (!Convert.TryToBase64Chars(data, buffer, out int written))
            {
                throw new InvalidOperationException("Base64 buffer too small.");
            }

            while (written > 0 && buffer[written - 1] == '=')
            {
                written--;
            }

            Span<char> text = buffer[..written];
            for (int i = 0; i < text.Length; i++)
            {
                text[i] = text[i] switch
                {
                    '+' => '-',
                    '/' => '_',
                    char c => c,
                };
            }

            return new string(text);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    /// <summary>Decodes strict base64url (no <c>+</c> or <c>/</c>), with or without padding.</summary>
    /// <exception cref="FormatException">The text is not base64url.</exception>
    public static byte[] Decode(string text)
    {
        if (text.Contains('+', StringComparison.Ordinal) || text.Contains('/', StringComparison.Ordinal))
        {
            throw new FormatException("Not base64url.");
        }

        return DecodeLenient(text);
    }

    /// <summary>Decodes strict base64url, or returns <see langword="null"/>.</summary>
    public static byte[]? TryDecode(string text)
    {
        try
        {
            return Decode(text);
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Decodes standard or URL-safe base64, with or without padding.</summary>
    /// <exception cref="FormatException">The text is not base64.</exception>
    public static byte[] DecodeLenient(string text)
    {
        var chars = new char[text.Length + 3];
        int n = 0;
        foreach (char c in text)
        {
            chars[n++] = c switch
            {
                '-' => '+',
                '_' => '/',
                _ => c,
            };
        }

        while (n > 0 && chars[n - 1] == '=')
        {
            n--;
        }

        if (n % 4 == 1)
        {
            throw new FormatException("Invalid base64 length.");
        }

        while (n % 4 != 0)
        {
            chars[n++] = '=';
        }

        return Convert.FromBase64CharArray(chars, 0, n);
    }
}
