using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Transforms;

namespace Codex.Auth.Proxy.Internal;

/// <summary>
/// Forwards an encoded slash (<c>%2F</c>) in the path as the agent sent it. Kestrel leaves <c>%2F</c> undecoded in
/// <c>Request.Path</c>, and YARP escapes its <c>%</c> again, so the upstream would see <c>%252F</c>: a different path. When the raw
/// request target has one, the outgoing URI is built from the raw path instead — unless a segment of it decodes to <c>.</c> or
/// <c>..</c>, which an upstream that decodes slashes could use to climb out of the route's prefix; those keep YARP's encoding.
/// </summary>
internal static class EncodedSlashes
{
    public static void Preserve(RequestTransformContext transform)
    {
        string? raw = transform.HttpContext.Features.Get<IHttpRequestFeature>()?.RawTarget;
        if (raw is null || !raw.Contains("%2F", StringComparison.OrdinalIgnoreCase) || !raw.StartsWith('/'))
        {
            return;
        }

        int queryStart = raw.IndexOf('?', StringComparison.Ordinal);
        string rawPath = queryStart < 0 ? raw : raw[..queryStart];

        // The route removed a prefix (/backend-api, /v1) from the decoded path: remove the same characters from the raw path.
        string original = transform.HttpContext.Request.Path.Value ?? string.Empty;
        string forwarded = transform.Path.Value ?? string.Empty;
        if (!original.EndsWith(forwarded, StringComparison.Ordinal))
        {
            return;
        }

        string removed = original[..^forwarded.Length];
        if (!rawPath.StartsWith(removed, StringComparison.Ordinal))
        {
            return; // the prefix itself was percent-encoded: leave it to YARP
        }

        string rawRest = rawPath[removed.Length..];
        if (!SameDecodedPath(rawRest, forwarded) || HasDotSegment(rawRest))
        {
            return;
        }

        string query = transform.Query.QueryString.Value ?? string.Empty;
        transform.ProxyRequest.RequestUri = new Uri(transform.DestinationPrefix.TrimEnd('/') + rawRest + query, UriKind.Absolute);
    }

    private static bool SameDecodedPath(string rawRest, string forwarded)
    {
        // Decode as Kestrel does (everything but %2F), then compare: only the slashes' encoding may differ.
        var protectedSlashes = new System.Text.StringBuilder(rawRest.Length + 8);
        for (int i = 0; i < rawRest.Length; i++)
        {
            protectedSlashes.Append(rawRest[i]);
            if (rawRest[i] == '%' && i + 2 < rawRest.Length && rawRest[i + 1] == '2' && rawRest[i + 2] is 'F' or 'f')
            {
                protectedSlashes.Append("25");
            }
        }

        string decoded = Uri.UnescapeDataString(protectedSlashes.ToString());
        return string.Equals(decoded, forwarded, StringComparison.Ordinal);
    }

    private static bool HasDotSegment(string rawRest)
    {
        foreach (string segment in Uri.UnescapeDataString(rawRest).Split('/'))
        {
            if (segment is "." or "..")
            {
                return true;
            }
        }

        return false;
    }
}
