using System.Net;
using Codex.Auth.Proxy.Internal;
using Codex.Auth.Resolution;
using Microsoft.Extensions.Logging;

namespace Codex.Auth.Proxy;

/// <summary>
/// Settings for the Codex auth proxy: where each route goes, whether the host's credentials replace the agent's,
/// where <see cref="CodexAuthProxyHost"/> listens and how it serves TLS.
/// </summary>
/// <example>
/// <code>
/// var options = new CodexAuthProxyOptions
/// {
///     ForwardHostCredentials = true,
///     Port = 8443,
///     Tls = { Mode = CodexAuthProxyTlsMode.LocalCertificateAuthority, ExportCaCertificatePath = "/sandbox/ca.pem" },
/// };
/// await using CodexAuthProxyHost proxy = await CodexAuthProxyHost.StartAsync(options);
/// Console.WriteLine(proxy.Address);
/// </code>
/// </example>
public sealed class CodexAuthProxyOptions
{
    /// <summary>The header a client must send with <see cref="AgentKey"/> when one is configured. Never forwarded upstream.</summary>
    public const string AgentKeyHeaderName = "X-Codex-Auth-Proxy-Key";

    /// <summary>
    /// The proxy's own health endpoint (GET or HEAD), never forwarded and open without the agent key: 200 with
    /// <c>{"status":"healthy"|"degraded",...}</c>, or 503 with <c>"unhealthy"</c> when the host credential needs a sign-in.
    /// </summary>
    public const string HealthPath = "/.codex-auth/health";

    /// <summary>Gets or sets where <c>/backend-api/**</c> goes; the <c>/backend-api</c> prefix is replaced by this URL's path. Default <c>https://chatgpt.com/backend-api</c>.</summary>
    public Uri ChatGptUpstream { get; set; } = new("https://chatgpt.com/backend-api");

    /// <summary>Gets or sets where <c>/v1/**</c> goes; the <c>/v1</c> prefix is replaced by this URL's path. Default <c>https://api.openai.com/v1</c>.</summary>
    public Uri OpenAIUpstream { get; set; } = new("https://api.openai.com/v1");

    /// <summary>
    /// Gets or sets where the OAuth and account paths go (<c>/oauth/**</c>, <c>/auth/**</c>, <c>/api/oauth/**</c>, <c>/api/auth/**</c>,
    /// <c>/oauth2/**</c>, <c>/api/accounts/**</c>, also under <c>/v1/</c>); the path is kept, minus a leading <c>/v1</c>.
    /// The host's own token refreshes go here too. Default <c>https://auth.openai.com</c>.
    /// </summary>
    public Uri AuthUpstream { get; set; } = CodexEndpoints.Issuer;

    /// <summary>
    /// Gets or sets a value indicating whether the proxy strips every credential header the agent sends and applies the host's
    /// credentials instead, and answers the agent's token refresh and revoke itself with placeholders. Default <see langword="false"/>
    /// (transparent: the agent's own credentials pass through, redacted in logs).
    /// </summary>
    public bool ForwardHostCredentials { get; set; }

    /// <summary>
    /// Gets or sets the host credential to forward. When <see langword="null"/> (the default) it is resolved once at start with
    /// <see cref="CodexCredentialResolver"/> from <see cref="CodexHome"/> (or <c>CODEX_HOME</c>, <c>~/.codex</c>). A credential supplied
    /// here is not disposed by the proxy.
    /// </summary>
    public ResolvedCredential? HostCredential { get; set; }

    /// <summary>Gets or sets the Codex home to resolve the host credential from; <see langword="null"/> uses <c>CODEX_HOME</c> or <c>~/.codex</c>.</summary>
    public string? CodexHome { get; set; }

    /// <summary>
    /// Gets or sets the store the host credential is read from and refreshed into (for example a
    /// <c>RedisCredentialStore</c> that several proxy replicas share); <see langword="null"/> uses <c>auth.json</c> in
    /// <see cref="CodexHome"/>. The proxy does not dispose it.
    /// </summary>
    public Codex.Auth.Storage.ICodexCredentialStore? CredentialStore { get; set; }

    /// <summary>Gets or sets the environment the host credential is resolved from; <see langword="null"/> for the process environment.</summary>
    public CodexEnvironment? Environment { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether a host credential that is an API key is accepted (it is then sent on the <c>/v1</c>
    /// route only, and the ChatGPT route answers with an error). Default <see langword="false"/>: an API key fails at start, because
    /// the ChatGPT backend needs a ChatGPT sign-in.
    /// </summary>
    public bool AllowApiKeyHostCredential { get; set; }

    /// <summary>Gets or sets the clock for credential expiry and placeholder tokens; <see langword="null"/> for <see cref="System.TimeProvider.System"/>.</summary>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>Gets or sets the address <see cref="CodexAuthProxyHost"/> listens on: an IP address or <c>localhost</c>. Default <c>127.0.0.1</c>.</summary>
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>Gets or sets the port <see cref="CodexAuthProxyHost"/> listens on; 0 (the default) picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether <see cref="CodexAuthProxyHost"/> may listen on a non-loopback address. Requires
    /// <see cref="AgentKey"/> as well. Default <see langword="false"/>.
    /// </summary>
    public bool AllowRemote { get; set; }

    /// <summary>
    /// Gets or sets a shared secret every client must present in <see cref="AgentKeyHeaderName"/> (compared in constant time,
    /// never forwarded); <see langword="null"/> for none. Required for a non-loopback <see cref="ListenAddress"/>; at least 16 characters.
    /// </summary>
    [System.Diagnostics.DebuggerBrowsable(System.Diagnostics.DebuggerBrowsableState.Never)]
    [System.Text.Json.Serialization.JsonIgnore]
    public string? AgentKey { get; set; }

    /// <summary>Gets or sets how <see cref="CodexAuthProxyHost"/> serves TLS. Default: plain HTTP.</summary>
    public CodexAuthProxyTlsOptions Tls { get; set; } = new();

    /// <summary>Gets or sets a value indicating whether every request's headers are logged, credential headers redacted to a fingerprint. Default <see langword="false"/>.</summary>
    public bool LogHeaders { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether each request is logged (method, path, route, status, duration) at Information.
    /// Default <see langword="false"/>: the line is logged at Debug only, so a sidecar under load writes nothing per request;
    /// warnings and errors are always logged.
    /// </summary>
    public bool LogRequests { get; set; }

    /// <summary>Gets or sets how long an upstream response may stay silent before it is aborted (long SSE streams). Default 15 minutes.</summary>
    public TimeSpan UpstreamActivityTimeout { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Gets or sets how long connecting to an upstream (TCP and TLS) may take before the request fails with 502 and a JSON reason.
    /// Default 10 seconds.
    /// </summary>
    public TimeSpan UpstreamConnectTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Gets or sets how long <see cref="CodexAuthProxyHost"/> keeps an idle client connection open between requests. Default 2 minutes.
    /// A request in progress (including a long model stream) is never idle.
    /// </summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Gets or sets the largest request body forwarded, in bytes; a larger one is refused with 413 and a JSON reason. Default 32 MiB
    /// (a long conversation with images fits).
    /// </summary>
    public long MaxRequestBodySize { get; set; } = 32L * 1024 * 1024;

    /// <summary>
    /// Gets or sets the largest total size of a request's header names and values, in bytes; a larger one is refused with 431 and a JSON
    /// reason. Default 32 KiB. <see cref="CodexAuthProxyHost"/> also has Kestrel refuse (431, no body) headers over twice this size.
    /// </summary>
    public int MaxRequestHeadersTotalSize { get; set; } = 32 * 1024;

    /// <summary>
    /// Gets or sets how long stopping <see cref="CodexAuthProxyHost"/> (SIGTERM for <c>codex-auth proxy</c>) waits for requests in flight,
    /// model streams and WebSockets included, after it stopped accepting connections; the rest are then cut. Default 25 seconds, inside
    /// the 30-second grace period Kubernetes and Docker give by default.
    /// </summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(25);

    /// <summary>
    /// Gets or sets how often, at most, an upstream 401 on the ChatGPT route may make the host refresh the same credential
    /// (forward mode). A 401 is the agent's doing — any endpoint that answers 401 will do — so recovery runs only when the
    /// rejected credential is still the one in use, and at most once per credential per interval; skipped recoveries are
    /// counted in <c>codex.auth.proxy.recoveries</c> (<see cref="CodexAuthProxyTelemetry.RecoveriesInstrumentName"/>; outcome <c>rate_limited</c> or <c>not_current</c>). Default 5 minutes.
    /// </summary>
    public TimeSpan UpstreamRejectionRecoveryInterval { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets the loggers <see cref="CodexAuthProxyHost"/> uses; <see langword="null"/> logs nothing. Ignored by <c>AddCodexAuthProxy</c>, which uses the app's.</summary>
    public ILoggerFactory? LoggerFactory { get; set; }

    /// <summary>
    /// Checks the upstreams, the agent key, the timeouts, the limits, the port and the TLS settings; <see cref="CodexAuthProxyHost.StartAsync"/>
    /// also checks that the listen address can be used (a non-loopback one needs <see cref="AllowRemote"/>, a key and TLS). The same validator runs in <c>AddCodexAuthProxy</c> and <see cref="CodexAuthProxyHost.StartAsync"/>.
    /// </summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">
    /// A setting is invalid; <see cref="Microsoft.Extensions.Options.OptionsValidationException.Failures"/> has one entry per option
    /// (<c>CodexAuthProxyOptions.AgentKey must be …</c>) saying how to fix it.
    /// </exception>
    public void Validate() => CodexAuthProxyOptionsValidator.ThrowIfInvalid(this);

    internal TimeProvider Clock => TimeProvider ?? System.TimeProvider.System;

    internal IPAddress ParseListenAddress()
    {
        if (string.Equals(ListenAddress, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        if (!IPAddress.TryParse(ListenAddress, out IPAddress? address))
        {
            throw new InvalidOperationException($"{nameof(ListenAddress)} '{ListenAddress}' is not an IP address or 'localhost'.");
        }

        // ::ffff:127.0.0.1 is 127.0.0.1; a socket cannot bind the mapped form.
        return address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
    }
}
