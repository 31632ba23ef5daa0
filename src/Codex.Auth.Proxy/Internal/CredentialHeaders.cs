using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;

namespace Codex.Auth.Proxy.Internal;

/// <summary>
/// The request headers that carry (or select) a credential, which forward mode never lets through from the agent. <c>Cookie</c> is
/// one of them: a session cookie next to the host's bearer would let the agent act as whoever the cookie names.
/// </summary>
internal static class CredentialHeaders
{
    /// <summary>Every header name stripped from agent requests in forward mode; compared case-insensitively.</summary>
    public static readonly string[] Names =
    [
        "Authorization",
        "Proxy-Authorization",
        CodexAuthHeaderNames.AccountId,
        CodexAuthHeaderNames.FedRamp,
        "OpenAI-Organization",
        "OpenAI-Project",
        "api-key",
        "x-api-key",
        "Cookie",
        "Cookie2",
    ];

    /// <summary>The response headers forward mode never passes back to the agent: cookies the upstream sets for the host's session.</summary>
    public static readonly string[] ResponseNames = ["Set-Cookie", "Set-Cookie2"];

    private static readonly HashSet<string> s_names = new(Names, StringComparer.OrdinalIgnoreCase);

    public static bool IsCredentialHeader(string name) => s_names.Contains(name.Trim());

    /// <summary>Removes every credential header, whatever its casing and however many copies.</summary>
    public static void StripFrom(IHeaderDictionary headers)
    {
        List<string>? doomed = null;
        foreach (string name in headers.Keys)
        {
            if (IsCredentialHeader(name))
            {
                (doomed ??= []).Add(name);
            }
        }

        if (doomed is not null)
        {
            foreach (string name in doomed)
            {
                headers.Remove(name);
            }
        }
    }

    /// <summary>Removes every credential header from an outgoing header collection.</summary>
    public static void StripFrom(HttpHeaders? headers)
    {
        if (headers is null)
        {
            return;
        }

        List<string>? doomed = null;
        foreach (KeyValuePair<string, IEnumerable<string>> header in headers)
        {
            if (IsCredentialHeader(header.Key))
            {
                (doomed ??= []).Add(header.Key);
            }
        }

        if (headers is HttpRequestHeaders)
        {
            // Content headers refuse request-header names (Remove would throw); request headers take them all.
            foreach (string name in Names)
            {
                headers.Remove(name);
            }
        }

        if (doomed is not null)
        {
            foreach (string name in doomed)
            {
                headers.Remove(name);
            }
        }
    }
}
