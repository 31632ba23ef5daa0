using System.Diagnostics;
using System.Net;
using Codex.Auth.Backchannel;
using Codex.Auth.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Codex.Auth.Routing;

/// <summary>
/// Workspace routing discovery and residency (PROTOCOL §9): asks <c>GET {chatgpt_base_url}wham/accounts/check</c> once per account,
/// before the first model call, keeps the answer for <see cref="WorkspaceRouterOptions.DiscoveryLifetime"/>, and asks again when the
/// account changes (the provider's headers name another account), when a bearer token is replaced (a sign-in, tokens adopted
/// from another program, a refresh), and after the handler recovered from an HTTP 401 (a rejected model call may mean the
/// workspace moved).
/// <see cref="Http.CodexAuthHandler"/> uses it to send model calls (<c>…/backend-api/codex/…</c>) to the discovered origin with
/// <c>x-openai-account-routing-override</c>.
/// </summary>
/// <remarks>
/// Only credentials that carry a <c>ChatGPT-Account-ID</c> (ChatGPT sign-ins, agent identities, personal access tokens) are routed;
/// API keys are not. A backend that answers discovery with HTTP 404 has no workspace routing: its accounts are treated as
/// unconstrained (<c>NO_CONSTRAINT</c>). Discovery failures are typed (<see cref="CodexAuthFailureReason.RoutingDiscoveryFailed"/>) and nothing is
/// sent to the backend. Safe for concurrent use: concurrent callers share one discovery.
/// </remarks>
/// <example>
/// <code>
/// using var provider = new ChatGptTokenProvider();
/// using var router = new WorkspaceRouter(provider);
/// using var http = new HttpClient(new CodexAuthHandler(provider, new CodexAuthHandlerOptions(), router) { InnerHandler = new SocketsHttpHandler() })
/// {
///     BaseAddress = new Uri(provider.BaseUrl + "/"),
/// };
/// await http.PostAsJsonAsync("responses", body);   // lands on the workspace's origin
/// Console.WriteLine(router.Current);               // account=… origin=… override=…
/// </code>
/// </example>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class WorkspaceRouter : IDisposable
{
    private readonly IAuthProvider _provider;
    private readonly BackchannelClient _backchannel;
    private readonly BackchannelCall _call;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _lifetime;
    private readonly Uri _discoveryUrl;
    private readonly Uri _baseOrigin;
    private readonly string _modelPathPrefix;
    private readonly object _gate = new();
    private readonly CancellationTokenSource _disposed = new();
    private Entry? _current;
    private Task<WorkspaceRouting>? _pending;
    private string? _pendingAccount;

    /// <summary>Creates a router for <paramref name="provider"/>'s credential.</summary>
    /// <param name="provider">The credential; its headers authenticate discovery, and its base URL says where model calls go.</param>
    /// <param name="options">Options; <see langword="null"/> for the defaults.</param>
    /// <param name="httpClient">The client discovery uses; <see langword="null"/> for the shared back-channel client (no redirects). Must not carry a <see cref="Http.CodexAuthHandler"/>.</param>
    /// <param name="timeProvider">The clock for the discovery lifetime; <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Logs discovery results (account, origin, override — never a credential).</param>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is out of range; each failure names the option (the same message <c>ValidateOnStart</c> gives).</exception>
    public WorkspaceRouter(IAuthProvider provider, WorkspaceRouterOptions? options = null, HttpClient? httpClient = null, TimeProvider? timeProvider = null, ILogger<WorkspaceRouter>? logger = null)
        : this(provider, options, CodexProviderContext.From(timeProvider, httpClient, null, logger))
    {
    }

    /// <summary>Creates a router that sends discovery through <paramref name="context"/>'s back channel (retries, HTTPS-or-loopback rule, no redirects).</summary>
    /// <param name="provider">The credential; its headers authenticate discovery, and its base URL says where model calls go.</param>
    /// <param name="options">Options; <see langword="null"/> for the defaults.</param>
    /// <param name="context">The clock, loggers and back-channel HTTP clients.</param>
    /// <example>
    /// <code>
    /// var router = new WorkspaceRouter(provider, new WorkspaceRouterOptions { EnforceResidency = CodexResidency.Us }, CodexProviderContext.Default);
    /// </code>
    /// </example>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is out of range; each failure names the option (the same message <c>ValidateOnStart</c> gives).</exception>
    public WorkspaceRouter(IAuthProvider provider, WorkspaceRouterOptions? options, CodexProviderContext? context)
    {
        ArgumentNullException.ThrowIfNull(provider);
        options ??= new WorkspaceRouterOptions();
        Internal.OptionsChecks.ThrowIfInvalid(WorkspaceRouterOptionsValidator.Instance, options);
        context ??= CodexProviderContext.Default;
        _provider = provider;
        _time = context.TimeProvider;
        _logger = context.CreateLogger<WorkspaceRouter>();
        _lifetime = options.DiscoveryLifetime;
        EnforceResidency = options.EnforceResidency;
        ChatGptBaseUrl = WithTrailingSlash(options.ChatGptBaseUrl ?? DeriveChatGptBaseUrl(provider.BaseUrl));
        _discoveryUrl = new Uri(ChatGptBaseUrl, "wham/accounts/check");
        _baseOrigin = WorkspaceRoutingParser.OriginOf(provider.BaseUrl);
        _modelPathPrefix = provider.BaseUrl.AbsolutePath.TrimEnd('/') + "/";
        _backchannel = context.CreateBackchannel(new BackchannelPolicy(options.MaxAttempts - 1, options.RetryDelay, options.AttemptTimeout));
        _call = new BackchannelCall(
            "Workspace routing discovery",
            _discoveryUrl,
            CodexAuthFailureReason.RoutingDiscoveryFailed,
            "Check the network connection to the ChatGPT backend (chatgpt_base_url) and try again.",
            "Nothing was sent to the backend.");
    }

    /// <summary>Gets <c>chatgpt_base_url</c> (with a trailing slash): discovery is <c>{ChatGptBaseUrl}wham/accounts/check</c>.</summary>
    public Uri ChatGptBaseUrl { get; }

    /// <summary>Gets the residency this router insists on.</summary>
    public CodexResidency EnforceResidency { get; }

    /// <summary>Gets the routing last discovered (for the account last used), or <see langword="null"/> before the first discovery.</summary>
    public WorkspaceRouting? Current => Volatile.Read(ref _current)?.Routing;

    /// <summary>Asks the server now (ignoring any cached answer) with the provider's current credential, and caches the answer.</summary>
    /// <param name="cancellationToken">Cancels the wait (a discovery shared with other callers continues).</param>
    /// <returns>The routing of the provider's account.</returns>
    /// <exception cref="CodexAuthException">
    /// The credential has no account (<see cref="CodexAuthFailureReason.UnsupportedMode"/>), the server rejected it
    /// (<see cref="CodexAuthFailureReason.Unauthorized"/>), discovery failed or answered something unusable
    /// (<see cref="CodexAuthFailureReason.RoutingDiscoveryFailed"/>), or residency is enforced and the workspace is unconstrained
    /// (<see cref="CodexAuthFailureReason.ResidencyNotSatisfied"/>).
    /// </exception>
    public async Task<WorkspaceRouting> DiscoverAsync(CancellationToken cancellationToken = default)
    {
        AuthHeaders headers = await _provider.GetHeadersAsync(cancellationToken).ConfigureAwait(false);
        if (headers.AccountId is null)
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.UnsupportedMode,
                "Workspace routing discovery needs a credential for the ChatGPT backend (a ChatGPT sign-in, an agent identity or a personal access token); this one carries no account.",
                "API keys are not routed; nothing needs to be discovered for them.");
        }

        WorkspaceRouting routing = await Shared(headers, force: true).WaitAsync(cancellationToken).ConfigureAwait(false);
        return CheckResidency(routing);
    }

    /// <summary>
    /// Gets the routing of the account <paramref name="headers"/> belong to: cached (synchronously) while it is fresh and the account
    /// is the same, otherwise discovered. <see langword="null"/> for a credential without an account (an API key).
    /// </summary>
    /// <param name="headers">The headers the request will carry.</param>
    /// <param name="cancellationToken">Cancels the wait (a discovery shared with other callers continues).</param>
    /// <returns>The routing, or <see langword="null"/>.</returns>
    /// <exception cref="CodexAuthException">As <see cref="DiscoverAsync"/>.</exception>
    public ValueTask<WorkspaceRouting?> GetRoutingAsync(AuthHeaders headers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (headers.AccountId is not { } account)
        {
            return new ValueTask<WorkspaceRouting?>((WorkspaceRouting?)null);
        }

        Entry? entry = Volatile.Read(ref _current);
        if (entry is not null && entry.Matches(account, headers) && _time.GetUtcNow() < entry.ExpiresAt)
        {
            return new ValueTask<WorkspaceRouting?>(CheckResidency(entry.Routing));
        }

        return DiscoverForAsync(headers, cancellationToken);
    }

    /// <summary>Stops any discovery in progress.</summary>
    public void Dispose()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        _disposed.Cancel();
        _disposed.Dispose();
    }

    /// <summary>Describes the router and its current routing.</summary>
    /// <returns>For example <c>WorkspaceRouter https://chatgpt.com/backend-api/ account=acct_1 origin=https://… override=us</c>.</returns>
    public override string ToString() => $"WorkspaceRouter {ChatGptBaseUrl} {(Current?.ToString() ?? "(not discovered)")}";

    /// <summary>What a request needs: <see cref="RoutingNeed.ModelCall"/> for a model call, <see cref="RoutingNeed.Residency"/> when residency is enforced.</summary>
    internal RoutingNeed NeedsOf(Uri uri)
    {
        RoutingNeed need = EnforceResidency == CodexResidency.None ? RoutingNeed.None : RoutingNeed.Residency;
        if (uri.AbsolutePath.StartsWith(_modelPathPrefix, StringComparison.OrdinalIgnoreCase)
            && (SameOrigin(uri, _baseOrigin) || (Current is { IsOriginDiscovered: true } current && SameOrigin(uri, current.BackendOrigin))))
        {
            need |= RoutingNeed.ModelCall;
        }

        return need;
    }

    /// <summary>Forgets the cached routing, so that the next model call asks again (after a recovery from HTTP 401).</summary>
    internal void Invalidate()
    {
        lock (_gate)
        {
            Volatile.Write(ref _current, null);
        }
    }

    /// <summary>Whether <paramref name="host"/> is the discovered origin of the current routing (the handler admits it).</summary>
    internal bool IsDiscoveredHost(string host) =>
        Current is { IsOriginDiscovered: true } current && string.Equals(current.BackendOrigin.IdnHost, host, StringComparison.OrdinalIgnoreCase);

    /// <summary>Sends a model call to the routing's origin with its override; adds the residency header when enforced.</summary>
    internal static void Apply(HttpRequestMessage request, WorkspaceRouting? routing, RoutingNeed need)
    {
        if ((need & RoutingNeed.Residency) != 0)
        {
            request.Headers.Remove(CodexAuthHeaderNames.Residency);
            request.Headers.TryAddWithoutValidation(CodexAuthHeaderNames.Residency, "us");
        }

        if ((need & RoutingNeed.ModelCall) == 0 || routing is null)
        {
            return;
        }

        Uri uri = request.RequestUri!;
        if (!SameOrigin(uri, routing.BackendOrigin))
        {
            request.RequestUri = new Uri(routing.BackendOrigin, uri.PathAndQuery);
        }

        if (routing.IsConstrained)
        {
            request.Headers.Remove(CodexAuthHeaderNames.AccountRoutingOverride);
            request.Headers.TryAddWithoutValidation(CodexAuthHeaderNames.AccountRoutingOverride, routing.RoutingOverride);
        }
    }

    private static Uri DeriveChatGptBaseUrl(Uri providerBaseUrl)
    {
        string text = providerBaseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/');
        return text.EndsWith("/codex", StringComparison.OrdinalIgnoreCase) ? new Uri(text[..^"codex".Length]) : new Uri(text + "/");
    }

    private static Uri WithTrailingSlash(Uri uri) => uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");

    private static bool SameOrigin(Uri a, Uri b) =>
        string.Equals(a.Scheme, b.Scheme, StringComparison.OrdinalIgnoreCase)
        && string.Equals(a.IdnHost, b.IdnHost, StringComparison.OrdinalIgnoreCase)
        && a.Port == b.Port;

    private WorkspaceRouting CheckResidency(WorkspaceRouting routing)
    {
        if (EnforceResidency == CodexResidency.Us && !routing.IsConstrained)
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.ResidencyNotSatisfied,
                $"Residency is enforced (enforce_residency = \"us\") but workspace {routing.AccountId} is not residency-constrained (routing override NO_CONSTRAINT); nothing was sent.",
                "Sign in to a US-resident workspace (`codex login`), or remove enforce_residency from config.toml (or the EnforceResidency option).");
        }

        return routing;
    }

    private async ValueTask<WorkspaceRouting?> DiscoverForAsync(AuthHeaders headers, CancellationToken cancellationToken)
    {
        WorkspaceRouting routing = await Shared(headers, force: false).WaitAsync(cancellationToken).ConfigureAwait(false);
        return CheckResidency(routing);
    }

    private Task<WorkspaceRouting> Shared(AuthHeaders headers, bool force)
    {
        string account = headers.AccountId!;
        lock (_gate)
        {
            if (_pending is { IsCompleted: false } pending && string.Equals(_pendingAccount, account, StringComparison.Ordinal))
            {
                return pending;
            }

            if (!force && _current is { } entry && entry.Matches(account, headers) && _time.GetUtcNow() < entry.ExpiresAt)
            {
                return Task.FromResult(entry.Routing);
            }

            _pendingAccount = account;
            _pending = DiscoverCoreAsync(headers);
            return _pending;
        }
    }

    private async Task<WorkspaceRouting> DiscoverCoreAsync(AuthHeaders headers)
    {
        await Task.Yield();
        using Activity? activity = Instrumentation.StartActivity("codex_auth.routing.discover", ActivityKind.Client);
        activity?.SetTag("codex_auth.account_id", headers.AccountId);
        try
        {
            (WorkspaceRouting routing, AuthHeaders used) = await AttemptsAsync(headers).ConfigureAwait(false);
            lock (_gate)
            {
                Volatile.Write(ref _current, new Entry(routing, Entry.CredentialKeyOf(used), routing.DiscoveredAt + _lifetime));
            }

            Log.RoutingDiscovered(_logger, routing.AccountId, routing.BackendOrigin.GetLeftPart(UriPartial.Authority), routing.RoutingOverride);
            activity?.SetTag("codex_auth.routing.origin", routing.BackendOrigin.GetLeftPart(UriPartial.Authority));
            activity?.SetTag("codex_auth.routing.override", routing.RoutingOverride);
            activity?.SetTag(CodexAuthTelemetry.OutcomeTag, "success");
            return routing;
        }
        catch (Exception ex)
        {
            activity?.SetFailure(ex);
            if (ex is CodexAuthException failure)
            {
                Log.RoutingDiscoveryFailed(_logger, failure.Reason);
            }

            throw;
        }
    }

    private async Task<(WorkspaceRouting Routing, AuthHeaders Used)> AttemptsAsync(AuthHeaders headers)
    {
        bool recovered = false;
        while (true)
        {
            using HttpResponseMessage response = await _backchannel.SendAsync(
                _call,
                static state =>
                {
                    var request = new HttpRequestMessage(HttpMethod.Get, state.Url);
                    state.Headers.ApplyTo(request.Headers);
                    if (state.Residency)
                    {
                        request.Headers.TryAddWithoutValidation(CodexAuthHeaderNames.Residency, "us");
                    }

                    return request;
                },
                (Url: _discoveryUrl, Headers: headers, Residency: EnforceResidency == CodexResidency.Us),
                _disposed.Token).ConfigureAwait(false);

            switch (response.StatusCode)
            {
                case HttpStatusCode.OK:
                    byte[] body = await BackchannelClient.ReadBodyAsync(_call, response, _disposed.Token).ConfigureAwait(false);
                    return (WorkspaceRouting.Parse(System.Text.Encoding.UTF8.GetString(body), headers.AccountId!, ChatGptBaseUrl, _time.GetUtcNow()), headers);
                case HttpStatusCode.NotFound:
                    // A backend without workspace routing (a gateway, an older server): nothing constrains the account.
                    Log.RoutingNotOffered(_logger, _discoveryUrl.GetLeftPart(UriPartial.Path));
                    return (WorkspaceRouting.Unconstrained(headers.AccountId!, ChatGptBaseUrl, _time.GetUtcNow()), headers);
                case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                    if (!recovered && _provider.SupportsRecovery && await _provider.RecoverAsync(headers, _disposed.Token).ConfigureAwait(false))
                    {
                        recovered = true;
                        headers = await _provider.GetHeadersAsync(_disposed.Token).ConfigureAwait(false);
                        continue;
                    }

                    throw new CodexAuthException(
                        CodexAuthFailureReason.Unauthorized,
                        $"The server rejected the credential ({headers.Scheme} [{headers.Fingerprint}], account {headers.AccountId}) during workspace routing discovery (HTTP {(int)response.StatusCode}); nothing else was sent.",
                        "Sign in again (`codex login`), or check that the credential belongs to the workspace you mean.");
                default:
                    throw BackchannelErrors.Status(_call, response.StatusCode, null, 1);
            }
        }
    }

    /// <summary>
    /// A cached routing, for one account and — for a bearer token — one token: a sign-in, tokens adopted from another program or a
    /// refresh ask again. (An agent assertion changes every second and is keyed by account only.)
    /// </summary>
    private sealed record Entry(WorkspaceRouting Routing, string? CredentialKey, DateTimeOffset ExpiresAt)
    {
        public static string? CredentialKeyOf(AuthHeaders headers) =>
            string.Equals(headers.Scheme, "Bearer", StringComparison.OrdinalIgnoreCase) ? headers.Fingerprint : null;

        public bool Matches(string account, AuthHeaders headers) =>
            string.Equals(Routing.AccountId, account, StringComparison.Ordinal)
            && (CredentialKey is null || string.Equals(CredentialKey, headers.Fingerprint, StringComparison.Ordinal));
    }
}
