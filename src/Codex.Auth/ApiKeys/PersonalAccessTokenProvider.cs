using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Codex.Auth.AgentIdentity;
using Codex.Auth.Backchannel;
using Codex.Auth.Diagnostics;
using Codex.Auth.Internal;
using Codex.Auth.Storage;
using Microsoft.Extensions.Logging;

namespace Codex.Auth.ApiKeys;

/// <summary>
/// Authenticates requests with a personal access token (<c>at-…</c>, PROTOCOL §6): <c>Authorization: Bearer at-…</c>,
/// <c>ChatGPT-Account-ID</c> and, for FedRAMP accounts, <c>X-OpenAI-Fedramp: true</c>.
/// </summary>
/// <remarks>
/// <para>The token comes from, first match wins: <see cref="PersonalAccessTokenProviderOptions.Token"/>;
/// <c>CODEX_ACCESS_TOKEN</c> when it starts with <c>at-</c>; the credential store (auth.json) in
/// <c>personalAccessToken</c> mode, which is only read.</para>
/// <para>On first use the provider asks <c>whoami</c> which account the token belongs to (concurrent first callers
/// share that one call; a failure is retried by the next call) and then serves one cached header set. Tokens are
/// not refreshed and an HTTP 401 goes back to the caller (<see cref="SupportsRecovery"/> is <see langword="false"/>).</para>
/// </remarks>
/// <example>
/// <code>
/// using var provider = PersonalAccessTokenProvider.FromToken(Environment.GetEnvironmentVariable("MY_CODEX_PAT")!);
/// using var client = new HttpClient(new CodexAuthHandler(provider) { InnerHandler = new HttpClientHandler() });
/// PersonalAccessTokenInfo me = await provider.GetIdentityAsync();
/// </code>
/// </example>
public sealed class PersonalAccessTokenProvider : IAuthProvider, IDisposable, Internal.IFixedAuthHeaders
{
    /// <summary>The prefix of a personal access token.</summary>
    public const string TokenPrefix = "at-";

    private const string NewTokenRemediation =
        "Create a new personal access token for your ChatGPT account and set CODEX_ACCESS_TOKEN to it.";

    private readonly PersonalAccessTokenProviderOptions _options;
    private readonly CodexEnvironment _environment;
    private readonly Func<ICodexCredentialStore> _openStore;
    private readonly BackchannelClient _backchannel;
    private readonly BackchannelCall _whoAmI;
    private readonly ILogger _logger;
    private State? _state;
    private readonly SharedInitialization<State> _initialization;

    /// <summary>Creates a provider.</summary>
    /// <param name="options">Where to find the token.</param>
    /// <param name="context">The environment, loggers and back-channel clients (for <c>whoami</c>).</param>
    /// <exception cref="CodexAuthException">The accounts API base URL is malformed or not HTTPS/loopback.</exception>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">An option is out of range; each failure names the option (the same message <c>ValidateOnStart</c> gives).</exception>
    public PersonalAccessTokenProvider(PersonalAccessTokenProviderOptions options, CodexProviderContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        Internal.OptionsChecks.ThrowIfInvalid(PersonalAccessTokenProviderOptionsValidator.Instance, options);
        ArgumentNullException.ThrowIfNull(context);
        _logger = context.CreateLogger<PersonalAccessTokenProvider>();
        _options = options;
        _environment = context.Environment;
        _initialization = new SharedInitialization<State>(InitializeCoreAsync);
        BaseUrl = CodexProviderFactory.ChatGptBaseUrl(context, codexHome: null, options.BaseUrl);
        _openStore = () => CodexProviderFactory.OpenStore(context, codexHome: null);
        Uri authApiBaseUrl = options.AuthApiBaseUrl
            ?? BackchannelEndpoints.FromEnvironment(context.Environment, CodexEnvironmentVariables.AuthApiBaseUrl)
            ?? BackchannelEndpoints.FromEnvironment(context.Environment, CodexEnvironmentVariables.AgentIdentityAuthApiBaseUrl)
            ?? AgentIdentityEndpoints.DefaultAuthApiBaseUrl;
        WhoAmIUrl = AgentIdentityEndpoints.WhoAmIUrl(BackchannelEndpoints.Require(authApiBaseUrl, "PersonalAccessTokenProviderOptions.AuthApiBaseUrl"));
        _backchannel = context.CreateBackchannel(BackchannelPolicy.Default);
        _whoAmI = new BackchannelCall(
            "Looking up the personal access token's account",
            WhoAmIUrl,
            CodexAuthFailureReason.AccountLookupFailed,
            "Check network access to the accounts API and try again.");
    }

    /// <summary>Creates a provider from individual services (see <see cref="PersonalAccessTokenProvider(PersonalAccessTokenProviderOptions, CodexProviderContext)"/>).</summary>
    /// <param name="options">Where to find the token.</param>
    /// <param name="httpClient">The client for <c>whoami</c>; not disposed by the provider. <see langword="null"/> uses <see cref="CodexBackchannel.DefaultHttpClientFactory"/>.</param>
    /// <param name="environment">The environment to read; defaults to the process environment.</param>
    /// <param name="logger">A logger; nothing it receives contains a secret.</param>
    public PersonalAccessTokenProvider(PersonalAccessTokenProviderOptions options, HttpClient? httpClient = null, CodexEnvironment? environment = null, ILogger<PersonalAccessTokenProvider>? logger = null)
        : this(options, CodexProviderContext.From(null, httpClient, environment, logger))
    {
    }

    /// <summary>Creates a provider for an explicit token (no environment, no store).</summary>
    /// <param name="token">The token, <c>at-…</c>.</param>
    /// <param name="httpClient">The client for <c>whoami</c>, or <see langword="null"/>.</param>
    /// <returns>The provider.</returns>
    public static PersonalAccessTokenProvider FromToken(string token, HttpClient? httpClient = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(token);
        return new PersonalAccessTokenProvider(
            new PersonalAccessTokenProviderOptions { Token = token, UseEnvironment = false, UseCredentialStore = false },
            httpClient);
    }

    /// <summary>Determines whether <paramref name="value"/> is a personal access token rather than an agent-identity JWT.</summary>
    /// <param name="value">A <c>CODEX_ACCESS_TOKEN</c> value.</param>
    /// <returns><see langword="true"/> when, trimmed, it starts with <c>at-</c>.</returns>
    public static bool IsPersonalAccessToken(string? value) =>
        value is not null && value.AsSpan().Trim().StartsWith(TokenPrefix, StringComparison.Ordinal);

    /// <inheritdoc />
    public Uri BaseUrl { get; }

    /// <summary>Gets the <c>whoami</c> URL.</summary>
    public Uri WhoAmIUrl { get; }

    /// <inheritdoc />
    /// <remarks>Always <see langword="false"/>: a personal access token cannot be renewed.</remarks>
    public bool SupportsRecovery => false;

    /// <summary>Gets who the token belongs to, once <c>whoami</c> has answered; otherwise <see langword="null"/>.</summary>
    public PersonalAccessTokenInfo? Identity => Volatile.Read(ref _state)?.Info;

    /// <inheritdoc />
    public ValueTask<AuthHeaders> GetHeadersAsync(CancellationToken cancellationToken = default)
    {
        State? state = Volatile.Read(ref _state);
        return state is not null ? new ValueTask<AuthHeaders>(state.Headers) : GetHeadersSlowAsync(cancellationToken);
    }

    /// <inheritdoc />
    AuthHeaders? Internal.IFixedAuthHeaders.ResolvedHeaders => Volatile.Read(ref _state)?.Headers;

    /// <inheritdoc />
    /// <remarks>Always <see langword="false"/>: an HTTP 401 is returned to the caller.</remarks>
    public ValueTask<bool> RecoverAsync(AuthHeaders rejected, CancellationToken cancellationToken = default) => new(false);

    /// <summary>Asks <c>whoami</c> if that has not happened yet, and describes the token's owner.</summary>
    /// <param name="cancellationToken">Cancels the wait (not the shared call).</param>
    /// <returns>The owner, without secrets.</returns>
    /// <exception cref="CodexAuthException">No token, or <c>whoami</c> failed.</exception>
    public async ValueTask<PersonalAccessTokenInfo> GetIdentityAsync(CancellationToken cancellationToken = default)
    {
        State state = Volatile.Read(ref _state) ?? await InitializeAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return state.Info;
    }

    /// <summary>Releases nothing today (back-channel clients are pooled by their factory); kept so that callers dispose providers uniformly.</summary>
    public void Dispose()
    {
    }

    /// <summary>Describes the provider without secrets.</summary>
    /// <returns>For example <c>PersonalAccessTokenProvider Bearer [3f2a9c1d] account=acct_1</c>.</returns>
    public override string ToString() =>
        Volatile.Read(ref _state) is { } s ? $"PersonalAccessTokenProvider {s.Headers} from {s.Info.Source}" : "PersonalAccessTokenProvider (not resolved)";

    private async ValueTask<AuthHeaders> GetHeadersSlowAsync(CancellationToken cancellationToken)
    {
        State state = await InitializeAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        return state.Headers;
    }

    private Task<State> InitializeAsync() => _initialization.GetAsync();

    private async Task<State> InitializeCoreAsync()
    {
        try
        {
            (string token, string source) = await FindTokenAsync(CancellationToken.None).ConfigureAwait(false);
            State state = await WhoAmIAsync(token, source, CancellationToken.None).ConfigureAwait(false);
            Volatile.Write(ref _state, state);
            Log.PersonalAccessTokenIdentified(_logger, state.Info.TokenFingerprint, state.Info.AccountId);
            return state;
        }
        catch (Exception ex)
        {
            if (_logger.IsEnabled(LogLevel.Error))
            {
                Log.PersonalAccessTokenFailed(_logger, ex is CodexAuthException cae ? cae.Reason.ToString() : ex.GetType().Name);
            }

            throw;
        }
    }

    private async Task<(string Token, string Source)> FindTokenAsync(CancellationToken cancellationToken)
    {
        var tried = new List<string>();
        if (!string.IsNullOrWhiteSpace(_options.Token))
        {
            return (_options.Token.Trim(), _options.TokenSource ?? "options");
        }

        if (_options.UseEnvironment)
        {
            if (_environment.GetNonBlank(CodexEnvironmentVariables.CodexAccessToken) is { } value && IsPersonalAccessToken(value))
            {
                return (value, CodexEnvironmentVariables.CodexAccessToken);
            }

            tried.Add(CodexEnvironmentVariables.CodexAccessToken);
        }

        if (_options.UseCredentialStore)
        {
            ICodexCredentialStore store = _options.CredentialStore ?? _openStore();
            CodexAuthDocument? document = await store.LoadAsync(cancellationToken).ConfigureAwait(false);
            if (document is { Mode: CodexAuthMode.PersonalAccessToken, PersonalAccessToken: { } stored } && !string.IsNullOrWhiteSpace(stored))
            {
                return (stored.Trim(), store.Location);
            }

            tried.Add($"{store.Location} in personalAccessToken mode");
        }

        throw new CodexAuthException(
            CodexAuthFailureReason.NotSignedIn,
            $"No personal access token was found (tried: {(tried.Count == 0 ? "no sources are enabled" : string.Join(", ", tried))}).",
            "Set CODEX_ACCESS_TOKEN to a personal access token (at-…).");
    }

    private async Task<State> WhoAmIAsync(string token, string source, CancellationToken cancellationToken)
    {
        if (!HeaderValues.IsSafeValue(token))
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.MalformedToken,
                $"The personal access token from {source} contains whitespace or control characters.",
                NewTokenRemediation);
        }

        string fingerprint = Fingerprints.Of(token);
        byte[] body;
        using (HttpResponseMessage response = await _backchannel.SendAsync(
            _whoAmI,
            static state =>
            {
                var request = new HttpRequestMessage(HttpMethod.Get, state.Url);
                request.Headers.TryAddWithoutValidation(CodexAuthHeaderNames.Authorization, "Bearer " + state.Token);
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
                return request;
            },
            (Url: WhoAmIUrl, Token: token),
            cancellationToken).ConfigureAwait(false))
        {
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
            {
                throw new CodexAuthException(
                    CodexAuthFailureReason.Unauthorized,
                    $"The personal access token [{fingerprint}] from {source} was rejected (HTTP {(int)response.StatusCode}): it is invalid, expired or revoked.",
                    NewTokenRemediation);
            }

            if (!response.IsSuccessStatusCode)
            {
                throw BackchannelErrors.Status(_whoAmI, response.StatusCode, null, 1);
            }

            body = await BackchannelClient.ReadBodyAsync(_whoAmI, response, cancellationToken).ConfigureAwait(false);
        }

        JsonObject root = JsonFields.TryParseObject(body) ?? throw WhoAmIFailed("the response is not a JSON object", null);

        string accountId = JsonFields.String(root, "chatgpt_account_id") is { Length: > 0 } a && HeaderValues.IsSafeValue(a)
            ? a
            : throw WhoAmIFailed("the response has no usable \"chatgpt_account_id\"", null);
        bool isFedRamp = root["chatgpt_account_is_fedramp"] is JsonValue f && f.TryGetValue(out bool b) && b;
        string? email = JsonFields.String(root, "email");
        var info = new PersonalAccessTokenInfo(
            accountId,
            JsonFields.String(root, "chatgpt_user_id"),
            string.IsNullOrEmpty(email) ? null : email,
            JsonFields.String(root, "chatgpt_plan_type"),
            isFedRamp,
            fingerprint,
            source);
        return new State(new AuthHeaders("Bearer", token, accountId, isFedRamp), info);
    }


    private CodexAuthException WhoAmIFailed(string what, Exception? inner) => BackchannelErrors.BadAnswer(_whoAmI, what);

    private sealed record State(AuthHeaders Headers, PersonalAccessTokenInfo Info);
}
