namespace Codex.Auth.Internal;

/// <summary>Checks for values written into HTTP headers without validation.</summary>
internal static class HeaderValues
{
    /// <summary>True when <paramref name="value"/> has no whitespace or control characters (so no header injection).</summary>
    public static bool IsSafeValue(string value)
    {
        foreach (char c in value)
        {
            if (c <= ' ' || c == '\u007f' || c > '\u007e')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when <paramref name="value"/> is an RFC 9110 token.</summary>
    public static bool IsToken(string value)
    {
        foreach (char c in value)
        {
            bool ok = char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal);
            if (!ok)
            {
                return false;
            }
        }

        return value.Length > 0;
    }
}
