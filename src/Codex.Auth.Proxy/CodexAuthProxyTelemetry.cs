namespace Codex.Auth.Proxy;

/// <summary>
/// The proxy's instruments, published on the same <c>Codex.Auth</c> meter as the library's
/// (<see cref="Codex.Auth.Diagnostics.CodexAuthTelemetry.MeterName"/>), and their tags. Nothing is measured unless a listener is
/// attached (for example OpenTelemetry, or <c>codex-auth proxy --metrics-prometheus</c>). No tag carries a secret.
/// </summary>
public static class CodexAuthProxyTelemetry
{
    /// <summary>Counter of requests the proxy answered, tagged with <see cref="RouteTag"/>, <see cref="CredentialTag"/> and <see cref="StatusCodeTag"/>.</summary>
    public const string RequestsInstrumentName = "codex.auth.proxy.requests";

    /// <summary>Histogram of the time, in seconds, from sending a request upstream to its response headers, tagged with <see cref="RouteTag"/> and <see cref="StatusCodeTag"/>.</summary>
    public const string UpstreamDurationInstrumentName = "codex.auth.proxy.upstream.duration";

    /// <summary>Up-down counter of requests in flight (streams included).</summary>
    public const string ActiveRequestsInstrumentName = "codex.auth.proxy.active_requests";

    /// <summary>
    /// Counter of upstream 401s on the ChatGPT route in forward mode, tagged with
    /// <see cref="Codex.Auth.Diagnostics.CodexAuthTelemetry.OutcomeTag"/>: <c>recovered</c> (the host credential was renewed),
    /// <c>not_recovered</c> (asked, nothing new), <c>not_current</c> (skipped: the rejected credential is no longer the one in use)
    /// or <c>rate_limited</c> (skipped: it was renewed less than <see cref="CodexAuthProxyOptions.UpstreamRejectionRecoveryInterval"/> ago).
    /// </summary>
    public const string RecoveriesInstrumentName = "codex.auth.proxy.recoveries";

    /// <summary>Tag: the route, <c>chatgpt</c> (<c>/backend-api</c>), <c>openai</c> (<c>/v1</c>) or <c>auth</c>.</summary>
    public const string RouteTag = "codex.auth.proxy.route";

    /// <summary>
    /// Tag: what happened to credentials: <c>injected</c> (the host's applied), <c>transparent</c> (the agent's passed through),
    /// <c>local</c> (answered by the proxy, for example the agent's token refresh) or <c>refused</c> (answered with an error, never forwarded).
    /// </summary>
    public const string CredentialTag = "codex.auth.proxy.credential";

    /// <summary>Tag: the HTTP status code sent to the client (or received from the upstream, for <see cref="UpstreamDurationInstrumentName"/>).</summary>
    public const string StatusCodeTag = "http.response.status_code";
}
