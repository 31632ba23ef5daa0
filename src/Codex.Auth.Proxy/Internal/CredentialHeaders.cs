using System.Net.Http.Headers;
using Microsoft.AspNetCore.Http;

namespace Codex.Auth.Proxy.Internal;

/// <summary>
/// Strips the request headers that carry (or select) a credential — <see cref="CodexAuthHeaderNames.CredentialHeaders"/>, the one
/// list — which forward mode never lets through from the agent, and names the response headers it never passes back.
/// </summary>
internal static class CredentialHeaders
{
    /// <summary>The response headers forward mode never passes back to the agent: cookies the upstream sets for the host's session.</summary>
    public static readonly string[] ResponseNames = ["Set-Cookie", "Set-Cookie2"];

    /// <summary>Whether <paramref name="name"/> is in <see cref="CodexAuthHeaderNames.CredentialHeaders"/> (padding ignored).</summary>
    public static bool IsCredentialHeader(string name) => CodexAuthHeaderNames.CredentialHeaders.Contains(name.Trim());

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
            foreach (string name in CodexAuthHeaderNames.CredentialHeaders)
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
