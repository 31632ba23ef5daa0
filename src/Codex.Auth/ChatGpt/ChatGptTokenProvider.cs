using Codex.Auth.Backchannel;
using Codex.Auth.Diagnostics;
using Codex.Auth.Internal;
using Codex.Auth.Storage;
using Microsoft.Extensions.Logging;

namespace Codex.Auth.ChatGpt;

/// <summary>
/// Authenticates with the ChatGPT sign-in in <c>auth.json</c>, as the Codex CLI does: <c>Authorization: Bearer</c>,
/// <c>ChatGPT-Account-ID</c> and, for FedRAMP accounts, <c>X-OpenAI-Fedramp: true</c>; refresh ahead of expiry;
/// recovery from HTTP 401; safe alongside the Codex CLI and other processes sharing the same file.
/// </summary>
/// <remarks>
/// <para>The cached path reads an immutable snapshot with no lock and no allocation; it reads the wall clock at most
/// once per request and, while the token is fresh, at most about once a second (a cheap monotonic tick in between, with
/// any <see cref="TimeProvider"/>). A remembered permanent failure is answered without I/O until the store changes. Inside the refresh window
/// (5 minutes before <c>exp</c>, at most half the token's lifetime) the current token is served while one
/// background refresh runs under its own cancellation; past expiry, callers wait for one shared refresh.</para>
/// <para>Every refresh holds <c>$CODEX_HOME/auth.lock</c> (<c>flock</c>) across re-read → decide → POST → write, so
/// no two processes using this library spend the same single-use refresh token, and a refresh done meanwhile by
/// any other process (the Codex CLI included) is adopted instead of repeated. When the new tokens cannot be written
/// after the refresh, they are served from memory and the save is retried (<see cref="PendingSaveFailure"/>,
/// <see cref="SaveFailed"/>); the spent refresh token still in the store is never sent again.</para>
/// </remarks>
/// <example>
/// <code>
/// using var provider = new ChatGptTokenProvider(new ChatGptTokenProviderOptions());
/// using var client = new HttpClient(new CodexAuthHandler(provider) { InnerHandler = new SocketsHttpHandler() })
/// {
///     BaseAddress = new Uri("https://chatgpt.com/backend-api/codex/"),
/// };
/// </code>
/// </example>
public sealed class ChatGptTokenProvider : IAuthProvider, IDisposable
{
    // How this reads: this class is the public surface and the per-request path. What a request does with the token in
    // hand is RefreshPolicy.Decide (pure: snapshot + time); serving a fresh snapshot without reading the wall clock is
    // SnapshotClock (shared with AgentIdentityProvider); loading, refreshing under auth.lock, adopting other processes'
    // tokens and remembering permanent failures is RefreshCoordinator; tokens that could not be saved are UnsavedTokens.
    private readonly ICodexCredentialStore _store;
    private readonly TokenRefreshClient _refreshClient;
    private readonly SnapshotClock _clock;
    private readonly ILogger _logger;
    private readonly RefreshCoordinator _coordinator;
    private IDisposable? _watch;

    /// <summary>Creates a provider.</summary>
    /// <param name="options">The options.</param>
    /// <param name="context">The clock, environment (<c>CODEX_HOME</c> and the PROTOCOL's overrides), loggers and back-channel clients.</param>
    /// <exception cref="CodexAuthException">The refresh URL (option or <c>CODEX_REFRESH_TOKEN_URL_OVERRIDE</c>) is malformed or not HTTPS/loopback.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is out of range; each failure names the option (the same message <c>ValidateOnStart</c> gives).</exception>
    public ChatGptTokenProvider(ChatGptTokenProviderOptions options, CodexProviderContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        Internal.OptionsChecks.ThrowIfInvalid(ChatGptTokenProviderOptionsValidator.Instance, options);
        ArgumentNullException.ThrowIfNull(context);
        CodexEnvironment environment = context.Environment;
        _clock = new SnapshotClock(context.TimeProvider);
        _logger = context.CreateLogger<ChatGptTokenProvider>();
        _store = options.CredentialStore ?? CodexProviderFactory.OpenStore(context, options.CodexHome);
        BaseUrl = CodexProviderFactory.ChatGptBaseUrl(context, options.CodexHome, options.BaseUrl);
        Uri endpoint = options.RefreshTokenUrl is { } configured
            ? BackchannelEndpoints.Require(configured, "ChatGptTokenProviderOptions.RefreshTokenUrl")
            : BackchannelEndpoints.FromEnvironment(environment, CodexEnvironmentVariables.RefreshTokenUrlOverride) ?? new Uri(CodexEndpoints.Issuer, "/oauth/token");
        string clientId = options.ClientId
            ?? environment.GetNonBlank(CodexEnvironmentVariables.LoginClientId)
            ?? CodexEndpoints.ClientId;
        _refreshClient = new TokenRefreshClient(
            context.CreateBackchannel(new BackchannelPolicy(options.MaxRefreshRetries, options.RefreshRetryDelay, options.RefreshAttemptTimeout)),
            endpoint,
            clientId);

        // Events are raised in one place, here: after the work is published, outside locks, each subscriber isolated.
        _coordinator = new RefreshCoordinator(
            options,
            _store,
            _refreshClient,
            context.TimeProvider,
            _logger,
            refreshed: args => ProviderEvents.Raise(Refreshed, this, args, _logger, nameof(Refreshed)),
            backgroundFailed: args => ProviderEvents.Raise(BackgroundRefreshFailed, this, args, _logger, nameof(BackgroundRefreshFailed)),
            saveFailed: args => ProviderEvents.Raise(SaveFailed, this, args, _logger, nameof(SaveFailed)));
        if (options.WatchStore)
        {
            // The store follows auth.json even when it does not exist yet (before the first `codex login`).
            _watch = _store.Watch(_coordinator.OnStoreChanged);
        }
    }

    /// <summary>Creates a provider from individual services (see <see cref="ChatGptTokenProvider(ChatGptTokenProviderOptions, CodexProviderContext)"/>).</summary>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock; defaults to <see cref="TimeProvider.System"/>.</param>
    /// <param name="httpClient">The client for refresh requests; <see cref="Backchannel.CodexBackchannel.DefaultHttpClientFactory"/>'s when null.</param>
    /// <param name="environment">The environment for <c>CODEX_HOME</c> and the PROTOCOL's overrides.</param>
    /// <param name="logger">A logger; nothing it receives contains a secret.</param>
    public ChatGptTokenProvider(
        ChatGptTokenProviderOptions options,
        TimeProvider? timeProvider = null,
        HttpClient? httpClient = null,
        CodexEnvironment? environment = null,
        ILogger<ChatGptTokenProvider>? logger = null)
        : this(options, CodexProviderContext.From(timeProvider, httpClient, environment, logger))
    {
    }

    /// <summary>Raised when a background refresh fails; the current token is still served until it expires.</summary>
    public event EventHandler<RefreshFailedEventArgs>? BackgroundRefreshFailed;

    /// <summary>
    /// Raised after a refresh completed — by this provider's own POST, or by adopting tokens another process wrote —
    /// and the new token is being served. Raised after <c>auth.lock</c> is released, on the refresh's own task.
    /// </summary>
    public event EventHandler<TokenRefreshedEventArgs>? Refreshed;

    /// <summary>
    /// Raised when refreshed tokens could not be written to the store (a read-only CODEX_HOME, a full disk, a store's server
    /// down). The new tokens are served from memory — requests keep working — and the save is retried at
    /// <see cref="RefreshFailedEventArgs.NextAttemptAt"/> and before every later refresh; see <see cref="PendingSaveFailure"/>.
    /// </summary>
    public event EventHandler<RefreshFailedEventArgs>? SaveFailed;

    /// <inheritdoc />
    public Uri BaseUrl { get; }

    /// <inheritdoc />
    public bool SupportsRecovery => true;

    /// <summary>Gets the credential store this provider reads and writes.</summary>
    public ICodexCredentialStore Store => _store;

    /// <summary>Gets the token endpoint refreshes are sent to.</summary>
    public Uri RefreshTokenUrl => _refreshClient.Endpoint;

    /// <summary>Gets the last refresh failure (background or foreground), or <see langword="null"/> after a success.</summary>
    public CodexAuthException? LastRefreshFailure => _coordinator.LastRefreshFailure;

    /// <summary>
    /// Gets why the tokens in use could not be written to the store, or <see langword="null"/> when the store holds them.
    /// While it is set the tokens live only in this process: the store still holds a refresh token that has been spent,
    /// which this provider never sends again, and the save is retried with backoff and before every refresh.
    /// </summary>
    public CodexAuthException? PendingSaveFailure => _coordinator.PendingSaveFailure;

    /// <summary>Gets the current session, or <see langword="null"/> before the credentials are first loaded.</summary>
    public ChatGptSession? CurrentSession => _coordinator.Current is { } s ? ToSession(s) : null;

    /// <inheritdoc />
    public ValueTask<AuthHeaders> GetHeadersAsync(CancellationToken cancellationToken = default)
    {
        TokenState? state = _coordinator.Current;
        if (state is { Failure: null } && !_coordinator.StoreChanged)
        {
            // Before the refresh point: no lock, no allocation, and the wall clock read at most once (see SnapshotClock).
            if (_clock.IsClockFree(state))
            {
                return new ValueTask<AuthHeaders>(state.Headers);
            }

            DateTimeOffset now = _clock.UtcNow;
            if (Instrumentation.TokenAge.Enabled)
            {
                RecordTokenAge(state, now);
            }

            if (_clock.ServeIfFresh(state, now))
            {
                return new ValueTask<AuthHeaders>(state.Headers);
            }

            if (RefreshPolicy.Decide(state, now) == RefreshDecision.ServeAndRefreshInBackground)
            {
                _coordinator.StartBackgroundRefresh(state, now);
                if (_coordinator.IsRefreshing)
                {
                    // Until the refresh publishes a new state (or fails), the decision cannot change before expiry.
                    _clock.ServeClockFree(state, state.ExpiresAt.GetValueOrDefault() - now);
                }

                return new ValueTask<AuthHeaders>(state.Headers);
            }
        }

        return GetHeadersSlowAsync(cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// First reloads the store (another process may have refreshed); if the token there is the rejected one,
    /// refreshes once with <c>refresh_reason = unauthorized_recovery</c>. Returns <see langword="false"/> when a
    /// refresh failed transiently, and throws <see cref="CodexAuthException"/> when the user must sign in again.
    /// </remarks>
    public async ValueTask<bool> RecoverAsync(AuthHeaders rejected, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(rejected);
        TokenState? state = _coordinator.Current;
        if (state is { Failure: null } && !state.Headers.HasSameCredential(rejected))
        {
            return true;
        }

        Log.Recovering(_logger, rejected.Fingerprint);
        try
        {
            state = await _coordinator.ReloadAsync(cancellationToken).ConfigureAwait(false);
            if (state.Failure is not null)
            {
                throw state.Failure;
            }

            if (!state.Headers.HasSameCredential(rejected))
            {
                return Recovered(rejected, "reloaded", true);
            }

            TokenState refreshed = await _coordinator.RefreshAsync(state, RefreshReason.UnauthorizedRecovery).WaitAsync(cancellationToken).ConfigureAwait(false);
            bool changed = !refreshed.Headers.HasSameCredential(rejected);
            return Recovered(rejected, changed ? "refreshed" : "unchanged", changed);
        }
        catch (CodexAuthException ex) when (ex.Reason is CodexAuthFailureReason.RefreshFailed or CodexAuthFailureReason.StoreUnavailable)
        {
            return Recovered(rejected, "transient_failure", false);
        }
        catch (CodexAuthException)
        {
            Recovered(rejected, "permanent_failure", false);
            throw;
        }
    }

    /// <summary>Loads the credentials (if not loaded yet) and returns the session, without refreshing.</summary>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The session.</returns>
    /// <exception cref="CodexAuthException">Not signed in, or the store cannot be used.</exception>
    public async ValueTask<ChatGptSession> GetSessionAsync(CancellationToken cancellationToken = default)
    {
        TokenState state = _coordinator.Current is { } s && !_coordinator.StoreChanged ? s : await _coordinator.ReloadAsync(cancellationToken).ConfigureAwait(false);
        return ToSession(state);
    }

    /// <summary>
    /// Returns the access token for handing on to a proxy or sandbox, refreshing first, in the foreground, whenever the
    /// token is inside the refresh window or expired, so that the exported token lives as long as possible.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The token with its expiry, account and FedRAMP flag. Never the refresh token.</returns>
    /// <exception cref="CodexAuthException">Not signed in, the sign-in can no longer be renewed, or the token is expired and could not be refreshed.</exception>
    public async ValueTask<ExportedAccessToken> ExportAccessTokenAsync(CancellationToken cancellationToken = default)
    {
        TokenState state = await _coordinator.ReloadAsync(cancellationToken).ConfigureAwait(false);
        if (state.Failure is not null)
        {
            throw state.Failure;
        }

        CodexAuthException? refreshError = null;
        if (RefreshPolicy.Decide(state, _clock.UtcNow) != RefreshDecision.Serve)
        {
            try
            {
                state = await _coordinator.RefreshAsync(state, RefreshReason.ProactiveExpiry).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (CodexAuthException ex) when (ex.Reason == CodexAuthFailureReason.RefreshFailed && state.ExpiresAt is { } exp && _clock.UtcNow < exp)
            {
                refreshError = ex;
            }
        }

        return new ExportedAccessToken(state.Tokens.AccessToken, state.ExpiresAt, state.Tokens.AccountId, state.Identity.IsFedRamp, refreshError);
    }

    /// <summary>Stops background work and the store watch.</summary>
    public void Dispose()
    {
        Interlocked.Exchange(ref _watch, null)?.Dispose();
        _coordinator.Dispose();
    }

    /// <inheritdoc />
    public override string ToString() => _coordinator.Current is { } s ? $"ChatGptTokenProvider {s.Headers} ({_store.Location})" : $"ChatGptTokenProvider ({_store.Location}, not loaded)";

    private async ValueTask<AuthHeaders> GetHeadersSlowAsync(CancellationToken cancellationToken)
    {
        TokenState? state = _coordinator.Current;

        // A remembered permanent failure is thrown without I/O until the store changes (its watch says so); a store that
        // is not watched is re-read on each request, as that is the only way to see a new sign-in there.
        if (state is null || _coordinator.StoreChanged || (state.Failure is not null && _watch is null))
        {
            TokenState? cached = state;
            try
            {
                state = await _coordinator.ReloadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (CodexAuthException ex) when (ex.Reason == CodexAuthFailureReason.StoreUnavailable
                && cached is { Failure: null } && (cached.ExpiresAt is not { } exp || _clock.UtcNow < exp))
            {
                // The store cannot be read (a shared store's server is down or slow): keep serving the token in hand
                // until it expires. The store's watch fires again when it is back; there is no re-read per request.
                Log.StoreUnavailable(_logger, _store.Location);
                state = cached;
            }
        }

        DateTimeOffset now = _clock.UtcNow;
        switch (RefreshPolicy.Decide(state, now))
        {
            case RefreshDecision.Fail:
                throw state.Failure!;
            case RefreshDecision.Serve:
                return state.Headers;
            case RefreshDecision.ServeAndRefreshInBackground:
                _coordinator.StartBackgroundRefresh(state, now);
                return state.Headers;
        }

        try
        {
            TokenState refreshed = await _coordinator.RefreshAsync(state, RefreshReason.ProactiveExpiry).WaitAsync(cancellationToken).ConfigureAwait(false);
            return refreshed.Headers;
        }
        catch (CodexAuthException ex) when (ex.Reason == CodexAuthFailureReason.RefreshFailed && state.ExpiresAt is null)
        {
            // A failed proactive refresh of a token without exp keeps using the current token (PROTOCOL §4).
            return state.Headers;
        }
    }

    private static void RecordTokenAge(TokenState state, DateTimeOffset now)
    {
        if (state.IssuedAt is { } issued)
        {
            Instrumentation.TokenAge.Record((now - issued).TotalSeconds, new KeyValuePair<string, object?>(CodexAuthTelemetry.ProviderTag, "chatgpt"));
        }
    }

    private bool Recovered(AuthHeaders rejected, string outcome, bool retry)
    {
        Instrumentation.RecordRecovery(outcome);
        Log.Recovered(_logger, rejected.Fingerprint, outcome);
        return retry;
    }

    private ChatGptSession ToSession(TokenState state) =>
        new(state.Tokens.AccountId, state.Identity, state.ExpiresAt, state.Document.LastRefresh, state.RefreshAt, state.Headers.Fingerprint, _store.Location);
}
