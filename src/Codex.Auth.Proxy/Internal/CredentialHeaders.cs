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
    /// <remarks>
    /// Enumerates the dictionary itself (one enumerator) rather than <c>Keys</c>, which Kestrel builds as a new set per call; the
    /// list of names to remove is allocated only when one is present.
    /// </remarks>
    public static void StripFrom(IHeaderDictionary headers)
    {
        List<string>? doomed = null;
        foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> header in headers)
        {
            if (IsCredentialHeader(header.Key))
            {
                (doomed ??= []).Add(header.Key);
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
    /// <remarks>
    /// Request headers take every credential name and look names up ignoring case (and never hold a name with padding), so removing
    /// each listed name removes every casing and copy: nothing is enumerated. Other collections (content headers refuse request-header
    /// names: <c>Remove</c> would throw) are enumerated through <see cref="HttpHeaders.NonValidated"/>, which neither parses nor copies
    /// the values.
    /// </remarks>
    public static void StripFrom(HttpHeaders? headers)
    {
        if (headers is null || headers.NonValidated.Count == 0)
        {
            return;
        }

        if (headers is HttpRequestHeaders)
        {
            foreach (string name in CodexAuthHeaderNames.CredentialHeaders)
            {
                headers.Remove(name);
            }

            return;
        }

        List<string>? doomed = null;
        foreach (KeyValuePair<string, HeaderStringValues> header in headers.NonValidated)
        {
            if (IsCredentialHeader(header.Key))
            {
                (doomed ??= []).Add(header.Key);
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
