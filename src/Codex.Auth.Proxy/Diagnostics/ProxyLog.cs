using Microsoft.Extensions.Logging;

namespace Codex.Auth.Proxy.Diagnostics;

/// <summary>Source-generated log messages. Arguments are paths, statuses and fingerprints, never secrets.</summary>
internal static partial class ProxyLog
{
    public const string Category = "Codex.Auth.Proxy";

    [LoggerMessage(1, LogLevel.Information, "{Method} {Path} -> {Upstream} {StatusCode} in {ElapsedMs:0.0} ms")]
    public static partial void RequestCompleted(ILogger logger, string method, string path, string upstream, int statusCode, double elapsedMs);

    [LoggerMessage(2, LogLevel.Information, "{Method} {Path} headers: {Headers}")]
    public static partial void RequestHeaders(ILogger logger, string method, string path, string headers);

    [LoggerMessage(3, LogLevel.Warning, "Refused {Method} {Path}: missing or wrong " + CodexAuthProxyOptions.AgentKeyHeaderName + ".")]
    public static partial void AgentKeyRejected(ILogger logger, string method, string path);

    [LoggerMessage(4, LogLevel.Error, "Host credentials unusable for {Method} {Path} ({FailureReason}).")]
    public static partial void HostCredentialFailed(ILogger logger, string method, string path, CodexAuthFailureReason failureReason);

    [LoggerMessage(5, LogLevel.Information, "Forwarding host credentials: {Kind} from {Source}, credential {Fingerprint}.")]
    public static partial void HostCredential(ILogger logger, CodexCredentialSource kind, string source, string fingerprint);

    [LoggerMessage(6, LogLevel.Information, "Codex auth proxy listening on {Address} (forward host credentials: {Forward}).")]
    public static partial void Listening(ILogger logger, Uri address, bool forward);

    [LoggerMessage(40, LogLevel.Warning, "The upstream rejected the host credential {Fingerprint} (HTTP 401); not recovering: {Why}.")]
    public static partial void RecoverySkipped(ILogger logger, string fingerprint, string why);

    [LoggerMessage(7, LogLevel.Warning, "The upstream rejected the host credential {Fingerprint} (HTTP 401); recovered: {Recovered}.")]
    public static partial void UpstreamRejected(ILogger logger, string fingerprint, bool recovered);

    [LoggerMessage(8, LogLevel.Information, "Workspace routing discovery for account {AccountId}: model calls go to {Origin} (override {RoutingOverride}); the agent was told {AgentOrigin}.")]
    public static partial void DiscoveryRewritten(ILogger logger, string accountId, string origin, string routingOverride, string agentOrigin);

    [LoggerMessage(9, LogLevel.Error, "Workspace routing discovery for {Method} {Path} failed ({FailureReason}); nothing was forwarded.")]
    public static partial void RoutingFailed(ILogger logger, string method, string path, CodexAuthFailureReason failureReason);
}
