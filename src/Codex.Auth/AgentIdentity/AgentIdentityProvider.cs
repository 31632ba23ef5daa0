using System.Text.Json;
using System.Text.Json.Nodes;
using Codex.Auth.Backchannel;
using Codex.Auth.Diagnostics;
using Codex.Auth.Internal;
using Codex.Auth.Storage;
using Microsoft.Extensions.Logging;

namespace Codex.Auth.AgentIdentity;

/// <summary>
/// Authenticates requests with an Ed25519 agent identity (PROTOCOL §5): <c>Authorization: AgentAssertion …</c>,
/// <c>ChatGPT-Account-ID</c> and, for FedRAMP accounts, <c>X-OpenAI-Fedramp: true</c>.
/// </summary>
/// <remarks>
/// <para>The identity comes from, first match wins: <see cref="AgentIdentityProviderOptions.Identity"/>;
/// <c>CODEX_ACCESS_TOKEN</c> unless it is an <c>at-</c> personal access token (use
/// <see cref="ApiKeys.PersonalAccessTokenProvider"/> for those); <c>CODEX_AGENT_IDENTITY</c>; the credential store
/// (auth.json) in <c>agentIdentity</c> mode, which is only read. A JWT is verified (RS256 against the JWKS, issuer,
/// audience, expiry) when it is loaded; an auth.json record object carries no JWT and is used as stored.</para>
/// <para>On first use the provider loads the identity and, unless the record already has a <c>task_id</c>,
/// registers a task; concurrent first callers share that one operation, and a failure is reported to each of
/// them and retried by the next call. Afterwards the assertion is a pure function of the UTC second: it is
/// built at most once per second and otherwise served from an immutable snapshot without locks or allocation (with
/// the system clock, without even reading the wall clock until the second is nearly over).</para>
/// <para>Agent identities cannot be renewed: <see cref="SupportsRecovery"/> is <see langword="false"/>, so an
/// HTTP 401 goes back to the caller.</para>
/// </remarks>
/// <example>
/// <code>
/// using var provider = new AgentIdentityProvider(new AgentIdentityProviderOptions()); // CODEX_ACCESS_TOKEN, …, auth.json
/// using var client = new HttpClient(new CodexAuthHandler(provider) { InnerHandler = new HttpClientHandler() })
/// {
///     BaseAddress = new Uri(provider.BaseUrl + "/"),
/// };
/// AgentIdentityInfo me = await provider.GetIdentityAsync();
/// Console.WriteLine($"agent {me.AgentRuntimeId} for account {me.AccountId}");
/// </code>
/// </example>
public sealed class AgentIdentityProvider : IAuthProvider, IDisposable
{
    internal const string Remediation =
        "Supply a valid agent identity (CODEX_ACCESS_TOKEN, or auth.json in agentIdentity mode) issued for this account.";

    private readonly AgentIdentityProviderOptions _options;
    private readonly CodexEnvironment _environment;
    private readonly Func<ICodexCredentialStore> _openStore;
    private readonly TimeProvider _time;
    private readonly SnapshotClock _clock;
    private readonly AgentIdentityJwtVerifier _verifier;
    private readonly AgentTaskRegistrar _registrar;
    private readonly ILogger _logger;

    private HeaderSnapshot? _snapshot;
    private State? _state;
    private readonly SharedInitialization<State> _initialization;

    /// <summary>Creates a provider.</summary>
    /// <param name="options">Where to find the identity and which services to use.</param>
    /// <param name="context">The clock (assertions, expiry, retry delays), environment, loggers and back-channel clients (JWKS, task registration).</param>
    /// <exception cref="CodexAuthException">An endpoint (option or environment override) is malformed or not HTTPS/loopback.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is out of range; each failure names the option (the same message <c>ValidateOnStart</c> gives).</exception>
    public AgentIdentityProvider(AgentIdentityProviderOptions options, CodexProviderContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        Internal.OptionsChecks.ThrowIfInvalid(AgentIdentityProviderOptionsValidator.Instance, options);
        ArgumentNullException.ThrowIfNull(context);
        _logger = context.CreateLogger<AgentIdentityProvider>();
        _options = options;
        _environment = context.Environment;
        _time = context.TimeProvider;
        _clock = new SnapshotClock(_time);
        _initialization = new SharedInitialization<State>(InitializeCoreAsync);
        BaseUrl = CodexProviderFactory.ChatGptBaseUrl(context, codexHome: null, options.BaseUrl);
        _openStore = () => CodexProviderFactory.OpenStore(context, codexHome: null);

        Uri jwksBase = (options.JwksBaseUrl is { } jwks ? BackchannelEndpoints.Require(jwks, "AgentIdentityProviderOptions.JwksBaseUrl") : null)
            ?? BackchannelEndpoints.FromEnvironment(_environment, CodexEnvironmentVariables.AgentIdentityJwksBaseUrl)
            ?? AgentIdentityEndpoints.DefaultJwksBaseUrl;
        AuthApiBaseUrl = (options.AuthApiBaseUrl is { } authApi ? BackchannelEndpoints.Require(authApi, "AgentIdentityProviderOptions.AuthApiBaseUrl") : null)
            ?? BackchannelEndpoints.FromEnvironment(_environment, CodexEnvironmentVariables.AgentIdentityAuthApiBaseUrl)
            ?? AgentIdentityEndpoints.DefaultAuthApiBaseUrl;
        JwksUrl = AgentIdentityEndpoints.JwksUrl(jwksBase);
        BackchannelClient backchannel = context.CreateBackchannel(new BackchannelPolicy(AgentTaskRegistrar.MaxAttempts - 1, options.RegistrationRetryDelay, options.RegistrationAttemptTimeout));
        _verifier = new AgentIdentityJwtVerifier(backchannel, JwksUrl, _time);
        _registrar = new AgentTaskRegistrar(backchannel, AuthApiBaseUrl, _time);
    }

    /// <summary>Creates a provider from individual services (see <see cref="AgentIdentityProvider(AgentIdentityProviderOptions, CodexProviderContext)"/>).</summary>
    /// <param name="options">Where to find the identity and which services to use.</param>
    /// <param name="httpClient">
    /// The client for the provider's own calls (JWKS, task registration); not disposed by the provider.
    /// <see langword="null"/> uses <see cref="CodexBackchannel.DefaultHttpClientFactory"/>. It must not carry a <see cref="Http.CodexAuthHandler"/>.
    /// </param>
    /// <param name="timeProvider">The clock for assertions, expiry and retry delays; defaults to <see cref="TimeProvider.System"/>.</param>
    /// <param name="environment">The environment to read; defaults to the process environment.</param>
    /// <param name="logger">A logger; nothing it receives contains a secret.</param>
    /// <exception cref="CodexAuthException">An endpoint override in the environment is not a URL.</exception>
    public AgentIdentityProvider(
        AgentIdentityProviderOptions options,
        HttpClient? httpClient = null,
        TimeProvider? timeProvider = null,
        CodexEnvironment? environment = null,
        ILogger<AgentIdentityProvider>? logger = null)
        : this(options, CodexProviderContext.From(timeProvider, httpClient, environment, logger))
    {
    }

    /// <inheritdoc />
    public Uri BaseUrl { get; }

    /// <summary>Gets the JWKS URL JWTs are verified against.</summary>
    public Uri JwksUrl { get; }

    /// <summary>Gets the accounts API base URL used for task registration.</summary>
    public Uri AuthApiBaseUrl { get; }

    /// <inheritdoc />
    /// <remarks>Always <see langword="false"/>: an agent identity cannot be renewed.</remarks>
    public bool SupportsRecovery => false;

    /// <summary>Gets the identity once it has been loaded and its task registered; otherwise <see langword="null"/>.</summary>
    public AgentIdentityInfo? Identity => Volatile.Read(ref _state)?.Info;

    /// <inheritdoc />
    public ValueTask<AuthHeaders> GetHeadersAsync(CancellationToken cancellationToken = default)
    {
        // Within the UTC second it was built in, the assertion cannot change: served from the snapshot, reading the wall
        // clock at most once (and, until shortly before the second ends, only a monotonic tick: see SnapshotClock).
        HeaderSnapshot? snapshot = Volatile.Read(ref _snapshot);
        if (snapshot is not null && _clock.IsClockFree(snapshot))
        {
            return new ValueTask<AuthHeaders>(snapshot.Headers);
        }

        DateTimeOffset now = _clock.UtcNow;
        long second = now.ToUnixTimeSeconds();
        if (snapshot is not null && snapshot.Second == second && _clock.ServeIfFresh(snapshot, now))
        {
            return new ValueTask<AuthHeaders>(snapshot.Headers);
        }

        State? state = Volatile.Read(ref _state);
        if (state is not null)
        {
            // A new second: the only place the assertion changes, and so where an identity that expired while the
            // process ran is noticed (a cached snapshot never outlives the second it was built in).
            if (state.Credential.ExpiresAt is { } expires && second >= expires.ToUnixTimeSeconds())
            {
                return ValueTask.FromException<AuthHeaders>(new CodexAuthException(
                    CodexAuthFailureReason.InvalidAgentIdentity,
                    $"The agent identity for runtime {state.Credential.RuntimeId} expired at {expires:O}.",
                    "Obtain a new agent identity (CODEX_ACCESS_TOKEN, or auth.json in agentIdentity mode) and restart the process."));
            }

            return new ValueTask<AuthHeaders>(BuildHeaders(state, second));
        }

        return GetHeadersSlowAsync(cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>Always <see langword="false"/>: an HTTP 401 is returned to the caller.</remarks>
    public ValueTask<bool> RecoverAsync(AuthHeaders rejected, CancellationToken cancellationToken = default) => new(false);

    /// <summary>Loads the identity and registers its task if that has not happened yet, and describes it.</summary>
    /// <param name="cancellationToken">Cancels the wait (not the shared load).</param>
    /// <returns>The identity, without secrets.</returns>
    /// <exception cref="CodexAuthException">No usable identity, or task registration failed.</exception>
    public async ValueTask<AgentIdentityInfo> GetIdentityAsync(CancellationToken cancellationToken = default)
    {
        State state = Volatile.Read(ref _state) ?? await InitializeAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return state.Info;
    }

    /// <summary>Releases nothing today (back-channel clients are pooled by their factory); kept so that callers dispose providers uniformly.</summary>
    public void Dispose()
    {
    }

    /// <summary>Describes the provider without secrets.</summary>
    /// <returns>For example <c>AgentIdentityProvider agent rt_1 account=acct_1 task=task_1</c>.</returns>
    public override string ToString() =>
        Identity is { } i
            ? $"AgentIdentityProvider agent {i.AgentRuntimeId} account={i.AccountId} task={i.TaskId} from {i.Source}"
            : "AgentIdentityProvider (not loaded)";

    private async ValueTask<AuthHeaders> GetHeadersSlowAsync(CancellationToken cancellationToken)
    {
        State state = await InitializeAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return BuildHeaders(state, _time.GetUtcNow().ToUnixTimeSeconds());
    }

    private AuthHeaders BuildHeaders(State state, long second)
    {
        AgentIdentityCredential c = state.Credential;
        AuthHeaders headers = AgentAssertion.BuildHeaders(c.Key, c.RuntimeId, state.Info.TaskId, second, c.AccountId, c.IsFedRamp);
        Volatile.Write(ref _snapshot, new HeaderSnapshot(second, headers));
        return headers;
    }

    private Task<State> InitializeAsync() => _initialization.GetAsync();

    private async Task<State> InitializeCoreAsync()
    {
        try
        {
            // The shared load is not cancelled by any one caller; the HTTP calls have their own time limits.
            AgentIdentityCredential credential = await LoadCredentialAsync(CancellationToken.None).ConfigureAwait(false);
            Log.AgentIdentityLoaded(_logger, credential.RuntimeId, credential.AccountId, credential.Source);
            string? taskId = credential.TaskId;
            if (taskId is null)
            {
                taskId = await _registrar.RegisterAsync(credential, CancellationToken.None).ConfigureAwait(false);
                Log.TaskRegistered(_logger, credential.RuntimeId);
            }

            var info = new AgentIdentityInfo(
                credential.RuntimeId,
                credential.AccountId,
                credential.ChatGptUserId,
                credential.Email,
                credential.PlanType,
                credential.IsFedRamp,
                taskId,
                credential.ExpiresAt,
                credential.Source);
            var state = new State(credential, info);
            try
            {
                _ = BuildHeaders(state, _time.GetUtcNow().ToUnixTimeSeconds());
            }
            catch (ArgumentException)
            {
                throw AgentIdentityCredential.Malformed(credential.Source, "its account id cannot be sent in an HTTP header");
            }

            Volatile.Write(ref _state, state);
            return state;
        }
        catch (Exception ex)
        {
            if (_logger.IsEnabled(LogLevel.Error))
            {
                Log.AgentIdentityFailed(_logger, ex is CodexAuthException cae ? cae.Reason.ToString() : ex.GetType().Name);
            }

            throw;
        }
    }

    private async Task<AgentIdentityCredential> LoadCredentialAsync(CancellationToken cancellationToken)
    {
        var tried = new List<string>();
        if (!string.IsNullOrWhiteSpace(_options.Identity))
        {
            return await FromTextAsync(_options.Identity.Trim(), _options.IdentitySource ?? "options", cancellationToken).ConfigureAwait(false);
        }

        if (_options.UseEnvironment)
        {
            string? accessToken = _environment.GetNonBlank(CodexEnvironmentVariables.CodexAccessToken);
            if (accessToken is not null && !accessToken.StartsWith("at-", StringComparison.Ordinal))
            {
                return await FromTextAsync(accessToken, CodexEnvironmentVariables.CodexAccessToken, cancellationToken).ConfigureAwait(false);
            }

            tried.Add(accessToken is null ? CodexEnvironmentVariables.CodexAccessToken : $"{CodexEnvironmentVariables.CodexAccessToken} (holds a personal access token)");
            if (_environment.GetNonBlank(CodexEnvironmentVariables.CodexAgentIdentity) is { } legacy)
            {
                return await FromTextAsync(legacy, CodexEnvironmentVariables.CodexAgentIdentity, cancellationToken).ConfigureAwait(false);
            }

            tried.Add(CodexEnvironmentVariables.CodexAgentIdentity);
        }

        if (_options.UseCredentialStore)
        {
            ICodexCredentialStore store = _options.CredentialStore ?? _openStore();
            CodexAuthDocument? document = await store.LoadAsync(cancellationToken).ConfigureAwait(false);
            if (document is { Mode: CodexAuthMode.AgentIdentity })
            {
                return document.AgentIdentity switch
                {
                    JsonValue v when v.TryGetValue(out string? jwt) && !string.IsNullOrWhiteSpace(jwt) =>
                        await FromJwtAsync(jwt.Trim(), store.Location, cancellationToken).ConfigureAwait(false),
                    JsonObject record => AgentIdentityCredential.FromClaims(record, store.Location, expiresAt: null),
                    _ => throw AgentIdentityCredential.Malformed(store.Location, "\"agent_identity\" is neither a JWT string nor a record object"),
                };
            }

            tried.Add(document is null ? $"{store.Location} (none)" : $"{store.Location} (mode {document.Mode}, not agentIdentity)");
        }

        throw new CodexAuthException(
            CodexAuthFailureReason.NotSignedIn,
            $"No agent identity was found (tried: {(tried.Count == 0 ? "no sources are enabled" : string.Join(", ", tried))}).",
            "Set CODEX_ACCESS_TOKEN to the agent identity, or store it in auth.json in agentIdentity mode.");
    }

    private async Task<AgentIdentityCredential> FromTextAsync(string text, string source, CancellationToken cancellationToken)
    {
        if (!text.StartsWith('{'))
        {
            return await FromJwtAsync(text, source, cancellationToken).ConfigureAwait(false);
        }

        JsonNode? node = JsonTree.TryParse(text, default, out string? problem);
        if (problem is not null)
        {
            throw AgentIdentityCredential.Malformed(source, "it is neither a JWT nor a JSON record: " + problem);
        }

        JsonObject record = node as JsonObject ?? throw AgentIdentityCredential.Malformed(source, "it is not a JSON object");

        return AgentIdentityCredential.FromClaims(record, source, expiresAt: null);
    }

    private async Task<AgentIdentityCredential> FromJwtAsync(string jwt, string source, CancellationToken cancellationToken)
    {
        (JsonObject claims, DateTimeOffset expiresAt) = await _verifier.VerifyAsync(jwt, source, cancellationToken).ConfigureAwait(false);
        return AgentIdentityCredential.FromClaims(claims, source, expiresAt);
    }

    private sealed record State(AgentIdentityCredential Credential, AgentIdentityInfo Info);

    /// <summary>The assertion headers of one UTC second: fresh from its start until the next second begins.</summary>
    private sealed class HeaderSnapshot(long second, AuthHeaders headers)
        : RefreshAheadSnapshot(headers, DateTimeOffset.FromUnixTimeSeconds(second + 1))
    {
        /// <summary>Gets the UTC second the assertion was built for (a clock stepped back before it rebuilds it).</summary>
        public long Second => FreshUntil.ToUnixTimeSeconds() - 1;
    }
}
