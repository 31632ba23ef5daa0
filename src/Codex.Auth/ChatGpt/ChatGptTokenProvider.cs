using System.Diagnostics;
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
/// <para>The cached path reads an immutable snapshot with no lock and no allocation; with the system clock it reads
/// the wall clock at most about once a second, and a cheap monotonic tick count in between. Inside the refresh window
/// (5 minutes before <c>exp</c>, at most half the token's lifetime) the current token is served while one
/// background refresh runs under its own cancellation; past expiry, callers wait for one shared refresh.</para>
/// <para>Every refresh holds <c>$CODEX_HOME/auth.lock</c> (<c>flock</c>) across re-read → decide → POST → write, so
/// no two processes using this library spend the same single-use refresh token, and a refresh done meanwhile by
/// any other process (the Codex CLI included) is adopted instead of repeated.</para>
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
    private readonly ChatGptTokenProviderOptions _options;
    private readonly ICodexCredentialStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TokenRefreshClient _refreshClient;
    private readonly CancellationTokenSource _disposed = new();
    private readonly object _gate = new();

    // With TimeProvider.System the hot path reads Environment.TickCount64 (a coarse monotonic clock, a few ns)
    // instead of the wall clock, re-reading the wall clock at least once a second. Other clocks (FakeTimeProvider
    // in tests) are read on every call, so that advancing them takes effect at once.
    private const long MaxClockFreeMilliseconds = 1000;
    private const long ClockMarginMilliseconds = 20;
    private readonly bool _coarseClock;

    private volatile TokenState? _state;
    private Task<TokenState>? _refresh;
    private IDisposable? _watch;
    private int _storeChanged;
    private long _nextBackgroundAttemptTicks;
    private CodexAuthException? _lastRefreshFailure;
    private int _permissionsChecked;

    // Refreshed tokens the store could not write (see PendingSave): served from memory, retried on _saveRetryTimer and
    // before every refresh. _exclusive serializes refreshes and save retries within this process.
    private readonly SemaphoreSlim _exclusive = new(1, 1);
    private PendingSave? _pendingSave;
    private ITimer? _saveRetryTimer;
    private RefreshFailedEventArgs? _saveFailureToRaise;

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
        _options = options;
        _time = context.TimeProvider;
        _coarseClock = ReferenceEquals(_time, TimeProvider.System);
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
        if (options.WatchStore)
        {
            // The store follows auth.json even when it does not exist yet (before the first `codex login`).
            _watch = _store.Watch(OnStoreChanged);
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
    public CodexAuthException? LastRefreshFailure => Volatile.Read(ref _lastRefreshFailure);

    /// <summary>
    /// Gets why the tokens in use could not be written to the store, or <see langword="null"/> when the store holds them.
    /// While it is set the tokens live only in this process: the store still holds a refresh token that has been spent,
    /// which this provider never sends again, and the save is retried with backoff and before every refresh.
    /// </summary>
    public CodexAuthException? PendingSaveFailure => Volatile.Read(ref _pendingSave)?.Error;

    /// <summary>Gets the current session, or <see langword="null"/> before the credentials are first loaded.</summary>
    public ChatGptSession? CurrentSession => _state is { } s ? ToSession(s) : null;

    /// <inheritdoc />
    public ValueTask<AuthHeaders> GetHeadersAsync(CancellationToken cancellationToken = default)
    {
        TokenState? state = _state;
        if (state is not null && state.Failure is null && Volatile.Read(ref _storeChanged) == 0)
        {
            if (_coarseClock && state.IsServableWithoutClock(Environment.TickCount64))
            {
                return new ValueTask<AuthHeaders>(state.Headers);
            }

            DateTimeOffset now = _time.GetUtcNow();
            if (Instrumentation.TokenAge.Enabled)
            {
                RecordTokenAge(state, now);
            }

            if (now < state.RefreshAt)
            {
                ServeWithoutClock(state, state.RefreshAt - now);
                return new ValueTask<AuthHeaders>(state.Headers);
            }

            if (state.ExpiresAt is { } expires && now < expires)
            {
                StartBackgroundRefresh(state, now);
                if (Volatile.Read(ref _refresh) is { IsCompleted: false })
                {
                    // Until the refresh publishes a new state (or fails), the decision cannot change before expiry.
                    ServeWithoutClock(state, expires - now);
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
        TokenState? state = _state;
        if (state is { Failure: null } && !state.Headers.HasSameCredential(rejected))
        {
            return true;
        }

        Log.Recovering(_logger, rejected.Fingerprint);
        try
        {
            state = await ReloadAsync(cancellationToken).ConfigureAwait(false);
            if (state.Failure is not null)
            {
                throw state.Failure;
            }

            if (!state.Headers.HasSameCredential(rejected))
            {
                return Recovered(rejected, "reloaded", true);
            }

            TokenState refreshed = await SharedRefresh(state, RefreshReason.UnauthorizedRecovery).WaitAsync(cancellationToken).ConfigureAwait(false);
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
        TokenState state = _state is { } s && Volatile.Read(ref _storeChanged) == 0 ? s : await ReloadAsync(cancellationToken).ConfigureAwait(false);
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
        TokenState state = await ReloadAsync(cancellationToken).ConfigureAwait(false);
        if (state.Failure is not null)
        {
            throw state.Failure;
        }

        CodexAuthException? refreshError = null;
        DateTimeOffset now = _time.GetUtcNow();
        if (now >= state.RefreshAt)
        {
            try
            {
                state = await SharedRefresh(state, RefreshReason.ProactiveExpiry).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (CodexAuthException ex) when (ex.Reason == CodexAuthFailureReason.RefreshFailed && state.ExpiresAt is { } exp && _time.GetUtcNow() < exp)
            {
                refreshError = ex;
            }
        }

        return new ExportedAccessToken(state.Tokens.AccessToken, state.ExpiresAt, state.Tokens.AccountId, state.Identity.IsFedRamp, refreshError);
    }

    /// <summary>Stops background work and the store watch.</summary>
    public void Dispose()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        _disposed.Cancel();
        Interlocked.Exchange(ref _watch, null)?.Dispose();
        lock (_gate)
        {
            _saveRetryTimer?.Dispose();
            _saveRetryTimer = null;
        }

        if (Volatile.Read(ref _pendingSave) is { } pending)
        {
            Log.UnsavedTokensLost(_logger, Fingerprints.Of(pending.Document.Tokens!.AccessToken), _store.Location);
        }
    }

    /// <inheritdoc />
    public override string ToString() => _state is { } s ? $"ChatGptTokenProvider {s.Headers} ({_store.Location})" : $"ChatGptTokenProvider ({_store.Location}, not loaded)";

    internal static DateTimeOffset ComputeRefreshAt(DateTimeOffset? expires, DateTimeOffset? issuedAt, DateTimeOffset? lastRefresh, TimeSpan before, TimeSpan withoutExpiry, DateTimeOffset now)
    {
        if (expires is { } exp)
        {
            TimeSpan lead = before;
            DateTimeOffset? start = issuedAt ?? lastRefresh;
            if (start is { } s && exp > s)
            {
                TimeSpan half = (exp - s) / 2;
                if (half < lead)
                {
                    lead = half;
                }
            }

            return Internal.TimeMath.AddSaturating(exp, -lead);
        }

        return Internal.TimeMath.AddSaturating(lastRefresh ?? now, withoutExpiry);
    }

    /// <summary>
    /// Moves <c>exp</c>/<c>iat</c> of a token this provider has just received onto the local clock. <c>iat</c> is the
    /// server's clock and <paramref name="receivedAt"/> ours; when they differ by more than a minute the local clock is
    /// skewed, and without this correction a clock running ahead by more than the token's lifetime would see every
    /// fresh token as expired and refresh on every request.
    /// </summary>
    internal static (DateTimeOffset? Expires, DateTimeOffset? IssuedAt) CorrectForClockSkew(DateTimeOffset? expires, DateTimeOffset? issuedAt, DateTimeOffset receivedAt)
    {
        if (expires is not { } exp || issuedAt is not { } iat || exp <= iat)
        {
            return (expires, issuedAt);
        }

        TimeSpan skew = receivedAt - iat;
        if (skew.Duration() <= TimeSpan.FromMinutes(1) || skew.Duration() > TimeSpan.FromDays(1))
        {
            return (expires, issuedAt);
        }

        return (Internal.TimeMath.AddSaturating(exp, skew), Internal.TimeMath.AddSaturating(iat, skew));
    }

    private async ValueTask<AuthHeaders> GetHeadersSlowAsync(CancellationToken cancellationToken)
    {
        TokenState? state = _state;
        if (state is null || state.Failure is not null || Volatile.Read(ref _storeChanged) != 0)
        {
            TokenState? cached = state;
            try
            {
                state = await ReloadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (CodexAuthException ex) when (ex.Reason == CodexAuthFailureReason.StoreUnavailable
                && cached is { Failure: null } && (cached.ExpiresAt is not { } exp || _time.GetUtcNow() < exp))
            {
                // The store cannot be read (a shared store's server is down or slow): keep serving the token in hand
                // until it expires. The store's watch fires again when it is back; there is no re-read per request.
                Log.StoreUnavailable(_logger, _store.Location);
                state = cached;
            }
        }

        if (state.Failure is not null)
        {
            throw state.Failure;
        }

        DateTimeOffset now = _time.GetUtcNow();
        if (now < state.RefreshAt)
        {
            return state.Headers;
        }

        if (state.ExpiresAt is { } expires && now < expires)
        {
            StartBackgroundRefresh(state, now);
            return state.Headers;
        }

        try
        {
            TokenState refreshed = await SharedRefresh(state, RefreshReason.ProactiveExpiry).WaitAsync(cancellationToken).ConfigureAwait(false);
            return refreshed.Headers;
        }
        catch (CodexAuthException ex) when (ex.Reason == CodexAuthFailureReason.RefreshFailed && state.ExpiresAt is null)
        {
            // A failed proactive refresh of a token without exp keeps using the current token (PROTOCOL §4).
            return state.Headers;
        }
    }

    /// <summary>
    /// With the system clock, lets the next calls skip reading the wall clock (about 25 ns) for at most
    /// <see cref="MaxClockFreeMilliseconds"/>, and never past <paramref name="remaining"/> less a margin for the coarse
    /// tick's resolution. A wall-clock jump (NTP step, resume from sleep) is therefore noticed within a second.
    /// </summary>
    private void ServeWithoutClock(TokenState state, TimeSpan remaining)
    {
        if (!_coarseClock)
        {
            return;
        }

        long milliseconds = Math.Min((long)remaining.TotalMilliseconds - ClockMarginMilliseconds, MaxClockFreeMilliseconds);
        if (milliseconds > 0)
        {
            state.ServeWithoutClockUntil(Environment.TickCount64 + milliseconds);
        }
    }

    private void OnStoreChanged()
    {
        Volatile.Write(ref _storeChanged, 1);
        Log.StoreChanged(_logger, _store.Location);
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

    private async ValueTask<TokenState> ReloadAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _storeChanged, 0);
        TokenState? before = _state;
        CodexAuthDocument? document = Reconcile(await _store.LoadAsync(cancellationToken).ConfigureAwait(false));
        TokenState? current = _state;
        if (current is not null && document is not null && current.Document.HasSameCredentials(document))
        {
            return current;
        }

        TokenState state = current is null ? CreateState(document) : CreateStateOrRemember(document, current);
        lock (_gate)
        {
            if (!ReferenceEquals(_state, before) && _state is { } newer)
            {
                // A refresh published while we were reading: what we read may predate its save. Keep the
                // published state and look at the store again on the next call.
                Volatile.Write(ref _storeChanged, 1);
                return newer;
            }

            _state = state;
        }

        Log.Reloaded(_logger, _store.Location, state.Headers.Fingerprint);
        if (Interlocked.Exchange(ref _permissionsChecked, 1) == 0 && _store is FileCredentialStore file)
        {
            foreach (string warning in file.CheckPermissions())
            {
                Log.InsecurePermissions(_logger, warning);
            }
        }

        return state;
    }

    private TokenState CreateState(CodexAuthDocument? document, DateTimeOffset? receivedAt = null)
    {
        if (document is null)
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.NotSignedIn,
                $"Not signed in: there are no credentials at {_store.Location}.",
                CodexAuthException.SignInAgain);
        }

        if (document.Mode is not (CodexAuthMode.ChatGpt or CodexAuthMode.ChatGptAuthTokens))
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.UnsupportedMode,
                $"The credentials at {_store.Location} are in '{document.AuthModeValue ?? document.Mode.ToString()}' mode, not a ChatGPT sign-in.",
                "Run `codex login` to sign in with ChatGPT, or use the provider for that mode (CodexCredentialSource.Auto picks it).");
        }

        if (document.Tokens is not { } tokens)
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.NotSignedIn,
                $"Not signed in: {_store.Location} is in ChatGPT mode but has no \"tokens\", so no Authorization can be sent.",
                CodexAuthException.SignInAgain);
        }

        if (document.LastRefresh is not { } lastRefresh)
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.NotSignedIn,
                $"Not signed in: {_store.Location} has tokens but no \"last_refresh\", so Codex sends no Authorization.",
                CodexAuthException.SignInAgain);
        }

        ChatGptIdentity identity = tokens.IdToken.Length == 0
            ? new ChatGptIdentity(null, null, null, null, false)
            : ChatGptTokenClaims.ReadIdentity(tokens.IdToken);
        (DateTimeOffset? expires, DateTimeOffset? issuedAt) = ChatGptTokenClaims.ReadTimes(tokens.AccessToken);
        if (receivedAt is { } received)
        {
            (expires, issuedAt) = CorrectForClockSkew(expires, issuedAt, received);
        }
        AuthHeaders headers;
        try
        {
            headers = new AuthHeaders("Bearer", tokens.AccessToken, string.IsNullOrEmpty(tokens.AccountId) ? null : tokens.AccountId, identity.IsFedRamp);
        }
        catch (ArgumentException)
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.MalformedToken,
                $"The access token or account id in {_store.Location} contains characters that cannot be sent in a header.",
                CodexAuthException.SignInAgain);
        }

        DateTimeOffset refreshAt = ComputeRefreshAt(expires, issuedAt, lastRefresh, _options.RefreshBeforeExpiry, _options.RefreshIntervalWithoutExpiry, _time.GetUtcNow());
        return new TokenState(document, tokens, headers, identity, expires, refreshAt, failure: null, issuedAt: issuedAt ?? lastRefresh);
    }

    private void StartBackgroundRefresh(TokenState state, DateTimeOffset now)
    {
        if (now.UtcTicks < Volatile.Read(ref _nextBackgroundAttemptTicks) || Volatile.Read(ref _refresh) is { IsCompleted: false })
        {
            return;
        }

        Task<TokenState> refresh = SharedRefresh(state, RefreshReason.ProactiveExpiry);
        _ = refresh.ContinueWith(
            static (task, self) => ((ChatGptTokenProvider)self!).OnBackgroundRefreshCompleted(task),
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    private void OnBackgroundRefreshCompleted(Task<TokenState> task)
    {
        if (task.IsCompletedSuccessfully || _disposed.IsCancellationRequested)
        {
            return;
        }

        CodexAuthException error = task.Exception?.InnerException as CodexAuthException
            ?? new CodexAuthException(CodexAuthFailureReason.RefreshFailed, "The background refresh failed unexpectedly.", "It is retried automatically.", task.Exception?.InnerException);
        DateTimeOffset next = _time.GetUtcNow() + _options.BackgroundRetryDelay;
        Volatile.Write(ref _nextBackgroundAttemptTicks, next.UtcTicks);
        Log.BackgroundRefreshFailed(_logger, error.Reason, next);
        ProviderEvents.Raise(BackgroundRefreshFailed, this, new RefreshFailedEventArgs(error, next), _logger, nameof(BackgroundRefreshFailed));
    }

    private Task<TokenState> SharedRefresh(TokenState basis, RefreshReason reason)
    {
        lock (_gate)
        {
            if (_refresh is { IsCompleted: false } running)
            {
                return running;
            }

            // Task.Run: the refresh never runs on, nor is cancelled by, a caller's context.
            Task<TokenState> task = Task.Run(() => RefreshCoreAsync(basis, reason, _disposed.Token));
            _refresh = task;
            return task;
        }
    }

    private async Task<TokenState> RefreshCoreAsync(TokenState basis, RefreshReason reason, CancellationToken cancellationToken)
    {
        using Activity? activity = Instrumentation.StartActivity(CodexAuthTelemetry.RefreshActivityName);
        if (activity is not null)
        {
            activity.SetTag(CodexAuthTelemetry.RefreshReasonTag, reason.ToTagValue());
            activity.SetTag(CodexAuthTelemetry.CredentialFingerprintTag, basis.Headers.Fingerprint);
        }

        Log.Refreshing(_logger, reason.ToTagValue(), basis.Headers.Fingerprint);
        try
        {
            (TokenState state, string outcome) = await RefreshUnderLockAsync(basis, reason, cancellationToken).ConfigureAwait(false);
            Instrumentation.RecordRefresh(outcome, reason);
            activity?.SetTag(CodexAuthTelemetry.OutcomeTag, outcome);
            ProviderEvents.Raise(Refreshed, this, new TokenRefreshedEventArgs(reason, outcome == "adopted", state.Headers.Fingerprint, state.ExpiresAt), _logger, nameof(Refreshed));
            RaiseSaveFailed();
            return state;
        }
        catch (Exception ex)
        {
            bool permanent = ex is CodexAuthException { RequiresSignIn: true } or CodexAuthException { Reason: CodexAuthFailureReason.AccountMismatch };
            Instrumentation.RecordRefresh(permanent ? "permanent_failure" : "transient_failure", reason);
            if (!permanent && ex is CodexAuthException transient)
            {
                Log.RefreshFailed(_logger, transient.Reason);
            }

            activity?.SetFailure(ex);
            RaiseSaveFailed();
            throw;
        }
    }

    private async Task<(TokenState State, string Outcome)> RefreshUnderLockAsync(TokenState basis, RefreshReason reason, CancellationToken cancellationToken)
    {
        await _exclusive.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await RefreshExclusiveAsync(basis, reason, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _exclusive.Release();
        }
    }

    private async Task<(TokenState State, string Outcome)> RefreshExclusiveAsync(TokenState basis, RefreshReason reason, CancellationToken cancellationToken)
    {
        IAsyncDisposable? held = await _store.AcquireRefreshLockAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Re-read under the lock: another process may have refreshed, signed out or signed in as someone else.
            Volatile.Write(ref _storeChanged, 0);
            CodexAuthDocument? document = Reconcile(await _store.LoadAsync(cancellationToken).ConfigureAwait(false));
            if (Volatile.Read(ref _pendingSave) is { } pending)
            {
                // Tokens from an earlier refresh are still unsaved: this lock is a chance to write them before anything else.
                await SaveOrDeferAsync(pending.Document, pending.SpentTokens).ConfigureAwait(false);
            }

            TokenState current = _state is { Failure: null } published && ReferenceEquals(published.Document, document)
                ? published
                : CreateStateOrRemember(document, basis);
            if (!current.Tokens.Equals(basis.Tokens))
            {
                Publish(current);
                Log.Adopted(_logger, current.Headers.Fingerprint);
                if (reason == RefreshReason.UnauthorizedRecovery || _time.GetUtcNow() < current.RefreshAt)
                {
                    Succeeded();
                    return (current, "adopted");
                }
            }

            // The refresh token is single-use: spend it only when the new tokens can be written. Not so while earlier
            // tokens are unsaved: the store's refresh token is spent already and the one in memory is the only live one,
            // so spending it keeps requests working and loses nothing (its successor is kept the same way).
            if (Volatile.Read(ref _pendingSave) is null)
            {
                try
                {
                    await _store.EnsureWritableAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (CodexAuthException ex)
                {
                    Volatile.Write(ref _lastRefreshFailure, ex);
                    throw;
                }
            }

            TokenRefreshResult result;
            try
            {
                result = await _refreshClient.RefreshAsync(current.Tokens.RefreshToken, reason, cancellationToken).ConfigureAwait(false);
            }
            catch (CodexAuthException ex) when (ex.Reason == CodexAuthFailureReason.RefreshTokenReused)
            {
                // Someone spent the token without taking the lock (the Codex CLI POSTs before locking).
                // Release the lock so they can write, and watch for their tokens.
                await held.DisposeAsync().ConfigureAwait(false);
                held = null;
                TokenState? adopted = await WaitForRefreshByOtherAsync(current, cancellationToken).ConfigureAwait(false);
                if (adopted is not null)
                {
                    Succeeded();
                    Publish(adopted);
                    Log.Adopted(_logger, adopted.Headers.Fingerprint);
                    return (adopted, "adopted");
                }

                throw Remember(current, ex);
            }
            catch (CodexAuthException ex) when (ex.RequiresSignIn)
            {
                throw Remember(current, ex);
            }
            catch (CodexAuthException ex)
            {
                Volatile.Write(ref _lastRefreshFailure, ex);
                throw;
            }

            DateTimeOffset now = _time.GetUtcNow();
            CodexAuthDocument updated = current.Document.WithRefreshedTokens(result.IdToken, result.AccessToken, result.RefreshToken, now);
            TokenState refreshed;
            try
            {
                // Check the answer before writing it: a token that cannot be used must not replace one that can.
                // Clock-skew correction is for a token that came in this answer; an answer without access_token keeps the
                // current token, whose expiry must not move.
                refreshed = CreateState(updated, receivedAt: result.AccessToken is null ? null : now);
            }
            catch (CodexAuthException unusable) when (unusable.Reason == CodexAuthFailureReason.MalformedToken)
            {
                throw await RejectUnusableAnswerAsync(current, result, unusable).ConfigureAwait(false);
            }

            // The refresh token just sent is spent: if the new tokens cannot be written they are still used (from memory).
            await SaveOrDeferAsync(updated, current.Tokens).ConfigureAwait(false);

            // Clear the failure first: whoever sees the new token must not still see the old failure.
            Succeeded();
            Publish(refreshed);
            Log.Refreshed(_logger, reason.ToTagValue(), refreshed.Headers.Fingerprint, refreshed.ExpiresAt);
            return (refreshed, "success");
        }
        finally
        {
            if (held is not null)
            {
                await held.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The token endpoint answered 2xx with a token that cannot be used (not a JWT, undecodable claims, characters a header
    /// cannot carry). Its refresh token may already have replaced the one just spent, so that one is kept — in the store and
    /// in memory — beside the current, usable access token; the refresh then fails as a transient error and is retried.
    /// </summary>
    private async Task<CodexAuthException> RejectUnusableAnswerAsync(TokenState current, TokenRefreshResult result, CodexAuthException unusable)
    {
        if (result.RefreshToken is { } rotated && !string.Equals(rotated, current.Tokens.RefreshToken, StringComparison.Ordinal))
        {
            CodexAuthDocument kept = current.Document.WithRefreshedTokens(null, null, rotated, current.Document.LastRefresh ?? _time.GetUtcNow());
            await SaveOrDeferAsync(kept, current.Tokens).ConfigureAwait(false);
            Publish(CreateState(kept));
        }

        var failure = new CodexAuthException(
            CodexAuthFailureReason.RefreshFailed,
            "Refreshing the ChatGPT token failed: the token endpoint answered with a token that cannot be used (" + unusable.Reason + "). The current token is kept.",
            "This is usually temporary; the refresh is retried automatically.",
            unusable);
        Volatile.Write(ref _lastRefreshFailure, failure);
        return failure;
    }

    private TokenState CreateStateOrRemember(CodexAuthDocument? document, TokenState basis)
    {
        TokenState current = CreateState(document);
        if (basis.Tokens.AccountId is { Length: > 0 } before && current.Tokens.AccountId is { Length: > 0 } after
            && !string.Equals(before, after, StringComparison.Ordinal))
        {
            var mismatch = new CodexAuthException(
                CodexAuthFailureReason.AccountMismatch,
                $"{_store.Location} is now signed in to another account ({after}) than the one in use ({before}).",
                "Restart the application to use the new account, or run `codex login` to sign in to the expected one.");
            throw Remember(basis, mismatch);
        }

        return current;
    }

    private async Task<TokenState?> WaitForRefreshByOtherAsync(TokenState spent, CancellationToken cancellationToken)
    {
        DateTimeOffset deadline = _time.GetUtcNow() + _options.ReusedTokenGracePeriod;
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable watch = _store.Watch(() => changed.TrySetResult());
        while (true)
        {
            CodexAuthDocument? document;
            try
            {
                document = await _store.LoadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (CodexAuthException ex) when (ex.Reason == CodexAuthFailureReason.MalformedStore)
            {
                // The other program may be in the middle of a non-atomic write (truncate, then write): look again.
                document = null;
            }

            if (document?.Tokens is { } tokens && !tokens.Equals(spent.Tokens)
                && Volatile.Read(ref _pendingSave)?.Classify(document) is not StoreVersusPending.StillSpent
                && string.Equals(tokens.AccountId, spent.Tokens.AccountId, StringComparison.Ordinal))
            {
                return CreateState(document);
            }

            TimeSpan remaining = deadline - _time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return null;
            }

            // Wake on a store change, or poll every 100 ms for stores that cannot be watched.
            Task delay = Task.Delay(remaining < TimeSpan.FromMilliseconds(100) ? remaining : TimeSpan.FromMilliseconds(100), _time, cancellationToken);
            await Task.WhenAny(delay, changed.Task).ConfigureAwait(false);
            if (changed.Task.IsCompleted)
            {
                changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>
    /// Applies <see cref="PendingSave"/>'s rule to a document just read from the store: while refreshed tokens are
    /// unsaved, reading back the spent tokens yields the unsaved document (the spent refresh token is never used again);
    /// reading the unsaved tokens ends the pending save as saved; anything else was written later and wins.
    /// </summary>
    private CodexAuthDocument? Reconcile(CodexAuthDocument? stored)
    {
        if (Volatile.Read(ref _pendingSave) is not { } pending)
        {
            return stored;
        }

        switch (pending.Classify(stored))
        {
            case StoreVersusPending.StillSpent:
                return pending.Document;
            case StoreVersusPending.Saved:
                EndPendingSave(pending, saved: true);
                return stored;
            default:
                EndPendingSave(pending, saved: false);
                return stored;
        }
    }

    /// <summary>Writes <paramref name="document"/>; when that fails, keeps it as the pending save and schedules a retry.</summary>
    /// <param name="document">The newest tokens.</param>
    /// <param name="storeHeld">The tokens the store holds (used as the spent tokens unless a save was already pending).</param>
    private async Task SaveOrDeferAsync(CodexAuthDocument document, CodexTokens storeHeld)
    {
        PendingSave? before = Volatile.Read(ref _pendingSave);
        try
        {
            await _store.SaveAsync(document, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Whatever the store throws, the tokens it could not write are the only live ones: keep them.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            DeferSave(document, before?.SpentTokens ?? storeHeld, before?.Failures ?? 0, ex);
            return;
        }

        if (before is not null)
        {
            EndPendingSave(before, saved: true);
        }
    }

    private void DeferSave(CodexAuthDocument document, CodexTokens spent, int failuresBefore, Exception cause)
    {
        CodexAuthFailureReason reason = cause is CodexAuthException store ? store.Reason : CodexAuthFailureReason.StoreUnavailable;
        var error = new CodexAuthException(
            reason,
            $"The refreshed ChatGPT tokens could not be saved to {_store.Location} ({cause.GetType().Name}). They are used from memory and the save is retried; "
            + $"until it succeeds, {_store.Location} holds a refresh token that has been spent, so another program reading it, or this one after a restart, must sign in again.",
            $"Make {_store.Location} writable again (permissions, free disk space, the store's server); the save is retried automatically.",
            cause);
        int failures = failuresBefore + 1;
        DateTimeOffset now = _time.GetUtcNow();
        TimeSpan delay = PendingSave.RetryDelay(failures);
        var pending = new PendingSave(document, spent, error, failures, now + delay);
        lock (_gate)
        {
            _pendingSave = pending;
            _saveRetryTimer?.Dispose();
            _saveRetryTimer = _disposed.IsCancellationRequested
                ? null
                : _time.CreateTimer(static self => ((ChatGptTokenProvider)self!).OnSaveRetryDue(), this, delay, Timeout.InfiniteTimeSpan);
        }

        Instrumentation.RecordStoreSaveFailure(reason);
        Log.SaveFailed(_logger, Fingerprints.Of(document.Tokens!.AccessToken), _store.Location, reason, cause.GetType().Name, pending.NextAttemptAt, failures);
        Volatile.Write(ref _saveFailureToRaise, new RefreshFailedEventArgs(error, pending.NextAttemptAt));
    }

    private void EndPendingSave(PendingSave pending, bool saved)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_pendingSave, pending))
            {
                return;
            }

            _pendingSave = null;
            _saveRetryTimer?.Dispose();
            _saveRetryTimer = null;
        }

        string fingerprint = Fingerprints.Of(pending.Document.Tokens!.AccessToken);
        if (saved)
        {
            Instrumentation.RecordStoreSaveRecovery();
            Log.SaveRecovered(_logger, fingerprint, _store.Location, pending.Failures);
        }
        else
        {
            // Look at the store again on the next request: what it holds now replaces the unsaved tokens.
            Volatile.Write(ref _storeChanged, 1);
            Log.UnsavedTokensSuperseded(_logger, _store.Location, fingerprint);
        }
    }

    private void OnSaveRetryDue() => _ = Task.Run(RetryPendingSaveAsync);

    /// <summary>Retries a pending save under the refresh lock, unless the store meanwhile holds something newer.</summary>
    private async Task RetryPendingSaveAsync()
    {
        CancellationToken cancellationToken = _disposed.Token;
        try
        {
            await _exclusive.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (Volatile.Read(ref _pendingSave) is null)
                {
                    return;
                }

                IAsyncDisposable held = await _store.AcquireRefreshLockAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    Reconcile(await _store.LoadAsync(cancellationToken).ConfigureAwait(false));
                    if (Volatile.Read(ref _pendingSave) is { } pending)
                    {
                        await SaveOrDeferAsync(pending.Document, pending.SpentTokens).ConfigureAwait(false);
                    }
                }
                finally
                {
                    await held.DisposeAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                _exclusive.Release();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
#pragma warning disable CA1031 // The lock or the read failed (a malformed file is never overwritten): try again later.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            if (Volatile.Read(ref _pendingSave) is { } pending)
            {
                DeferSave(pending.Document, pending.SpentTokens, pending.Failures, ex);
            }
        }

        RaiseSaveFailed();
    }

    private void RaiseSaveFailed()
    {
        if (Interlocked.Exchange(ref _saveFailureToRaise, null) is { } args)
        {
            ProviderEvents.Raise(SaveFailed, this, args, _logger, nameof(SaveFailed));
        }
    }

    private CodexAuthException Remember(TokenState state, CodexAuthException failure)
    {
        lock (_gate)
        {
            if (_state is null || _state.Tokens.Equals(state.Tokens))
            {
                _state = state.WithFailure(failure);
            }
        }

        Volatile.Write(ref _lastRefreshFailure, failure);
        Log.PermanentFailure(_logger, failure.Reason);
        return failure;
    }

    private void Publish(TokenState state)
    {
        lock (_gate)
        {
            _state = state;
        }
    }

    private void Succeeded()
    {
        Volatile.Write(ref _lastRefreshFailure, null);
        Volatile.Write(ref _nextBackgroundAttemptTicks, 0);
    }

    private ChatGptSession ToSession(TokenState state) =>
        new(state.Tokens.AccountId, state.Identity, state.ExpiresAt, state.Document.LastRefresh, state.RefreshAt, state.Headers.Fingerprint, _store.Location);
}
