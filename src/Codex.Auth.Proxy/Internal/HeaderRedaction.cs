using System.Text;
using Microsoft.AspNetCore.Http;

namespace Codex.Auth.Proxy.Internal;

/// <summary>Renders headers for logs with every secret replaced by a short fingerprint (<c>Bearer [3f2a9c1d]</c>).</summary>
internal static class HeaderRedaction
{
    private static readonly HashSet<string> s_secret = new(StringComparer.OrdinalIgnoreCase)
    {
        "Authorization",
        "Proxy-Authorization",
        "api-key",
        "x-api-key",
        "Cookie",
        "Set-Cookie",
        CodexAuthProxyOptions.AgentKeyHeaderName,
    };

    public static bool IsSecret(string name) => s_secret.Contains(name);

    public static string Redact(string name, string? value)
    {
        if (value is null || !IsSecret(name))
        {
            return value ?? string.Empty;
        }

        if (value.Length == 0)
        {
            return string.Empty;
        }

        int space = value.IndexOf(' ', StringComparison.Ordinal);
        if (space > 0 && space < value.Length - 1)
        {
            string rest = value[(space + 1)..].Trim();
            return string.Concat(value.AsSpan(0, space), " [", AuthHeaders.FingerprintOf(rest), "]");
        }

        return "[" + AuthHeaders.FingerprintOf(value) + "]";
    }

    public static string Render(IHeaderDictionary headers)
    {
        var text = new StringBuilder();
        foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> header in headers)
        {
            foreach (string? value in header.Value)
            {
                if (text.Length > 0)
                {
                    text.Append("; ");
                }

                text.Append(header.Key).Append(": ").Append(Redact(header.Key, value));
            }
        }

        return text.ToString();
    }
}
