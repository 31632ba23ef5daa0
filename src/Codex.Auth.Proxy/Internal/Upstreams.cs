using System.Net;

namespace Codex.Auth.Proxy.Internal;

/// <summary>URL helpers for upstream addresses.</summary>
internal static class Upstreams
{
    public static bool IsLoopback(Uri uri) =>
        uri.IsLoopback || (IPAddress.TryParse(uri.IdnHost, out IPAddress? ip) && IPAddress.IsLoopback(ip));

    /// <summary>Appends <paramref name="relative"/> to <paramref name="baseUrl"/>'s path, with exactly one slash between.</summary>
    public static Uri Append(Uri baseUrl, string relative) =>
        new(baseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/" + relative.TrimStart('/'), UriKind.Absolute);
}
