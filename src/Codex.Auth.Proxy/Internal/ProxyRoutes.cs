using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;

namespace Codex.Auth.Proxy.Internal;

/// <summary>The proxy's YARP routes and clusters, built in code.</summary>
internal static class ProxyRoutes
{
    public const string ChatGptCluster = "codex-chatgpt";
    public const string OpenAICluster = "codex-openai";
    public const string AuthCluster = "codex-auth";

    private const int AuthOrder = 1;
    private const int GeneralOrder = 10;

    private static readonly string[] s_authPrefixes = ["oauth", "auth", "api/oauth", "api/auth", "oauth2", "api/accounts"];

    // The prefixes under which a token or revoke endpoint may be reached (every auth prefix but the accounts API).
    private static readonly string[] s_oauthPrefixes = ["oauth", "auth", "api/oauth", "api/auth", "oauth2"];

    public static IReadOnlyList<RouteConfig> Routes()
    {
        var routes = new List<RouteConfig>
        {
            Route("codex-chatgpt", ChatGptCluster, "/backend-api/{**rest}", GeneralOrder, "/backend-api"),
            Route("codex-openai", OpenAICluster, "/v1/{**rest}", GeneralOrder, "/v1"),
        };
        foreach (string prefix in s_authPrefixes)
        {
            string id = prefix.Replace('/', '-');
            routes.Add(Route("codex-auth-" + id, AuthCluster, "/" + prefix + "/{**rest}", AuthOrder, removePrefix: null));
            routes.Add(Route("codex-auth-v1-" + id, AuthCluster, "/v1/" + prefix + "/{**rest}", AuthOrder, "/v1"));
        }

        return routes;
    }

    public static IReadOnlyList<ClusterConfig> Clusters(CodexAuthProxyOptions options) =>
    [
        Cluster(ChatGptCluster, options.ChatGptUpstream, options),
        Cluster(OpenAICluster, options.OpenAIUpstream, options),
        Cluster(AuthCluster, options.AuthUpstream, options),
    ];

    /// <summary>
    /// The path as the auth upstream sees it, normalized the way a lenient server would read it: without a leading <c>/v1</c>,
    /// repeated slashes collapsed (<c>/oauth//token</c>), encoded slashes decoded, without a trailing slash.
    /// </summary>
    public static string AuthPath(string path)
    {
        path = path.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        while (path.Contains("//", StringComparison.Ordinal))
        {
            path = path.Replace("//", "/", StringComparison.Ordinal);
        }

        if (path.StartsWith("/v1/", StringComparison.OrdinalIgnoreCase))
        {
            path = path[3..];
        }

        return path.Length > 1 ? path.TrimEnd('/') : path;
    }

    /// <summary>Whether <paramref name="path"/> is the token (refresh) endpoint under any OAuth prefix the auth routes accept.</summary>
    public static bool IsTokenPath(string path) => IsOAuthEndpoint(AuthPath(path), "token");

    /// <summary>Whether <paramref name="path"/> is the revoke endpoint under any OAuth prefix the auth routes accept.</summary>
    public static bool IsRevokePath(string path) => IsOAuthEndpoint(AuthPath(path), "revoke");

    private static bool IsOAuthEndpoint(string authPath, string endpoint)
    {
        foreach (string prefix in s_oauthPrefixes)
        {
            if (authPath.Length == prefix.Length + 2 + endpoint.Length
                && authPath.StartsWith("/" + prefix + "/", StringComparison.OrdinalIgnoreCase)
                && authPath.EndsWith(endpoint, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static RouteConfig Route(string id, string cluster, string path, int order, string? removePrefix) => new()
    {
        RouteId = id,
        ClusterId = cluster,
        Order = order,
        Match = new RouteMatch { Path = path },
        Transforms = removePrefix is null
            ? null
            : [new Dictionary<string, string> { ["PathRemovePrefix"] = removePrefix }],
    };

    private static ClusterConfig Cluster(string id, Uri upstream, CodexAuthProxyOptions options) => new()
    {
        ClusterId = id,
        Destinations = new Dictionary<string, DestinationConfig>(StringComparer.OrdinalIgnoreCase)
        {
            ["upstream"] = new DestinationConfig { Address = upstream.GetLeftPart(UriPartial.Path) },
        },
        HttpRequest = new ForwarderRequestConfig { ActivityTimeout = options.UpstreamActivityTimeout },
    };
}
