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

    /// <summary>The path as the auth upstream sees it: without a leading <c>/v1</c>, without a trailing slash.</summary>
    public static string AuthPath(string path)
    {
        if (path.StartsWith("/v1/", StringComparison.OrdinalIgnoreCase))
        {
            path = path[3..];
        }

        return path.Length > 1 ? path.TrimEnd('/') : path;
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
