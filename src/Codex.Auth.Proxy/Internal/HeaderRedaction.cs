using System.Collections.Frozen;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Codex.Auth.Proxy.Internal;

/// <summary>
/// Renders headers for logs with every secret replaced by a short fingerprint. The whole value of a secret-bearing header — every
/// one in <see cref="CodexAuthHeaderNames.CredentialHeaders"/>, and any whose name says it holds a secret — is replaced
/// (<c>x-api-key: [3f2a9c1d]</c>, <c>Cookie: [5e01aa42]</c>, <c>ChatGPT-Account-ID: [0b1c2d3e]</c>); only <c>Authorization</c> and <c>Proxy-Authorization</c> keep
/// their scheme, and only when it is a known one (<c>Bearer [3f2a9c1d]</c>). URL-valued headers lose their query string.
/// </summary>
internal static class HeaderRedaction
{
    // Every credential header (CodexAuthHeaderNames.CredentialHeaders, identifiers such as ChatGPT-Account-ID included), the cookies
    // an upstream sets, and the proxy's own key.
    private static readonly FrozenSet<string> s_secret = FrozenSet.ToFrozenSet(
        [.. CodexAuthHeaderNames.CredentialHeaders, .. CredentialHeaders.ResponseNames, CodexAuthProxyOptions.AgentKeyHeaderName],
        StringComparer.OrdinalIgnoreCase);

    // Any header whose name says it carries a credential is treated as secret too (X-Auth-Token, X-Goog-Api-Key, X-Session-Id, ...).
    private static readonly string[] s_secretNameParts = ["auth", "token", "key", "secret", "cookie", "session", "password", "signature", "credential", "assertion"];

    private static readonly HashSet<string> s_schemes = new(StringComparer.OrdinalIgnoreCase)
    {
        "Bearer", "Basic", "Digest", "AgentAssertion", "Negotiate", "NTLM", "AWS4-HMAC-SHA256", "HOBA", "Mutual", "DPoP",
    };

    private static readonly HashSet<string> s_urlValued = new(StringComparer.OrdinalIgnoreCase) { "Referer", "Origin", "Location", "Content-Location" };

    public static bool IsSecret(string name)
    {
        string trimmed = name.Trim();
        if (s_secret.Contains(trimmed))
        {
            return true;
        }

        foreach (string part in s_secretNameParts)
        {
            if (trimmed.Contains(part, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    public static string Redact(string name, string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        if (IsSecret(name))
        {
            return RedactSecret(name, value);
        }

        if (s_urlValued.Contains(name.Trim()) && value.IndexOf('?', StringComparison.Ordinal) is int query and >= 0)
        {
            return value[..query] + "?[query redacted]";
        }

        return value;
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

    private static string RedactSecret(string name, string value)
    {
        string trimmed = value.Trim();
        bool authorization = name.Trim() is { } n
            && (n.Equals("Authorization", StringComparison.OrdinalIgnoreCase) || n.Equals("Proxy-Authorization", StringComparison.OrdinalIgnoreCase));
        if (authorization)
        {
            int space = trimmed.IndexOf(' ', StringComparison.Ordinal);
            if (space > 0 && s_schemes.TryGetValue(trimmed[..space], out string? scheme))
            {
                // The fingerprint of the credential alone matches the one the proxy logs for the host's credential.
                string credential = trimmed[(space + 1)..].Trim();
                return credential.Length == 0 ? scheme : string.Concat(scheme, " [", AuthHeaders.FingerprintOf(credential), "]");
            }
        }

        return "[" + AuthHeaders.FingerprintOf(trimmed) + "]";
    }
}
