using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;
using Codex.Auth.Diagnostics;
using Codex.Auth.Proxy.Internal;

namespace Codex.Auth.Proxy.Diagnostics;

/// <summary>The proxy's instruments on the <c>Codex.Auth</c> meter (see <see cref="CodexAuthProxyTelemetry"/>). Each is checked with <c>Enabled</c> first.</summary>
internal static class ProxyMetrics
{
    public const string Injected = "injected";
    public const string Transparent = "transparent";
    public const string Local = "local";
    public const string Refused = "refused";

    private static readonly Meter s_meter = new(CodexAuthTelemetry.MeterName, typeof(ProxyMetrics).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion);

    public static readonly Counter<long> Requests = s_meter.CreateCounter<long>(
        CodexAuthProxyTelemetry.RequestsInstrumentName, "{request}", "Requests the proxy answered, by route, credential handling and status code.");

    public static readonly Histogram<double> UpstreamDuration = s_meter.CreateHistogram<double>(
        CodexAuthProxyTelemetry.UpstreamDurationInstrumentName, "s", "Time from sending a request upstream to its response headers.");

    public static readonly UpDownCounter<long> ActiveRequests = s_meter.CreateUpDownCounter<long>(
        CodexAuthProxyTelemetry.ActiveRequestsInstrumentName, "{request}", "Requests in flight, streams included.");

    public static readonly Counter<long> Recoveries = s_meter.CreateCounter<long>(
        CodexAuthProxyTelemetry.RecoveriesInstrumentName, "{recovery}", "Upstream 401s on the ChatGPT route in forward mode, by what the proxy did about the host credential.");

    /// <summary>The route tag of a cluster id.</summary>
    public static string Route(string cluster) => cluster switch
    {
        ProxyRoutes.ChatGptCluster => "chatgpt",
        ProxyRoutes.OpenAICluster => "openai",
        ProxyRoutes.AuthCluster => "auth",
        _ => "none",
    };

    public static void RecordRequest(string cluster, string credential, int statusCode)
    {
        if (Requests.Enabled)
        {
            Requests.Add(
                1,
                new KeyValuePair<string, object?>(CodexAuthProxyTelemetry.RouteTag, Route(cluster)),
                new KeyValuePair<string, object?>(CodexAuthProxyTelemetry.CredentialTag, credential),
                new KeyValuePair<string, object?>(CodexAuthProxyTelemetry.StatusCodeTag, statusCode));
        }
    }

    /// <summary>Counts a proxy-driven recovery decision: <c>recovered</c>, <c>not_recovered</c>, <c>not_current</c> or <c>rate_limited</c>.</summary>
    public static void RecordRecovery(string outcome)
    {
        if (Recoveries.Enabled)
        {
            Recoveries.Add(1, new KeyValuePair<string, object?>(CodexAuthTelemetry.OutcomeTag, outcome));
        }
    }

    public static void RecordUpstream(string route, long startedTimestamp, int statusCode) =>
        UpstreamDuration.Record(
            Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds,
            new KeyValuePair<string, object?>(CodexAuthProxyTelemetry.RouteTag, route),
            new KeyValuePair<string, object?>(CodexAuthProxyTelemetry.StatusCodeTag, statusCode));
}
