using Codex.Auth.ChatGpt;
using Codex.Auth.Proxy.Diagnostics;
using Codex.Auth.Resolution;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Codex.Auth.Proxy.Internal;

/// <summary>The host credential forward mode applies: resolved and checked once at start, asked for headers per request.</summary>
internal sealed class HostCredentials : IDisposable
{
    private readonly CodexAuthProxyOptions _options;
    private readonly ILoggerFactory _loggers;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _init = new(1, 1);
    private ResolvedCredential? _credential;
    private bool _owned;

    public HostCredentials(CodexAuthProxyOptions options, ILoggerFactory? loggerFactory = null)
    {
        _options = options;
        _loggers = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggers.CreateLogger(ProxyLog.Category);
    }

    public bool Enabled => _options.ForwardHostCredentials;

    /// <summary>Gets the credential, or null before start (or in transparent mode).</summary>
    public ResolvedCredential? Credential => Volatile.Read(ref _credential);

    /// <summary>
    /// Whether the credential may be sent to <paramref name="cluster"/>: ChatGPT sign-ins, agent identities and personal
    /// access tokens (PROTOCOL §2, §6) to the ChatGPT backend, API keys to /v1.
    /// </summary>
    public static bool Fits(CodexCredentialSource kind, string cluster) => cluster switch
    {
        ProxyRoutes.ChatGptCluster => kind is CodexCredentialSource.ChatGpt or CodexCredentialSource.AgentIdentity or CodexCredentialSource.PersonalAccessToken,
        ProxyRoutes.OpenAICluster => kind is CodexCredentialSource.ApiKey,
        _ => false,
    };

    public async Task InitializeAsync(CancellationToken cancellationToken)
    {
        if (!Enabled || Credential is not null)
        {
            return;
        }

        await _init.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Credential is not null)
            {
                return;
            }

            bool owned = _options.HostCredential is null;
            ResolvedCredential credential = _options.HostCredential ?? Resolve();
            try
            {
                await CheckAsync(credential, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                if (owned)
                {
                    (credential.Provider as IDisposable)?.Dispose();
                }

                throw;
            }

            _owned = owned;
            Volatile.Write(ref _credential, credential);
        }
        finally
        {
            _init.Release();
        }
    }

    /// <summary>Placeholders with the host's current expiry and account, for answering the agent's refresh.</summary>
    public async Task<PlaceholderTokens> MintPlaceholdersAsync(CancellationToken cancellationToken)
    {
        ResolvedCredential credential = Credential ?? throw new InvalidOperationException("Host credentials are not loaded.");
        TimeProvider time = _options.Clock;
        if (credential.Provider is ChatGptTokenProvider chatGpt)
        {
            return await PlaceholderCredentials.CreateAsync(chatGpt, time, cancellationToken).ConfigureAwait(false);
        }

        AuthHeaders headers = await credential.Provider.GetHeadersAsync(cancellationToken).ConfigureAwait(false);
        DateTimeOffset now = time.GetUtcNow();
        return PlaceholderCredentials.Create(headers.AccountId ?? "placeholder-account", now.AddHours(1), now, new ChatGptIdentity(null, null, null, headers.AccountId, headers.IsFedRamp));
    }

    public void Dispose()
    {
        if (_owned && Interlocked.Exchange(ref _credential, null) is { } credential)
        {
            (credential.Provider as IDisposable)?.Dispose();
        }

        _init.Dispose();
    }

    private ResolvedCredential Resolve()
    {
        var factory = new CodexProviderFactory(new CodexProviderContext
        {
            Environment = _options.Environment ?? CodexEnvironment.Process,
            TimeProvider = _options.Clock,
            LoggerFactory = _loggers,
            CredentialStore = _options.CredentialStore,
        });

        // The host's refreshes go to the configured auth upstream, never to a CODEX_REFRESH_TOKEN_URL_OVERRIDE
        // that may point at this very proxy.
        return factory.Resolve(new CodexCredentialResolverOptions
        {
            CodexHome = _options.CodexHome,
            AuthApiBaseUrl = Upstreams.Append(_options.AuthUpstream, "api/accounts"),
            ChatGpt = new ChatGptTokenProviderOptions
            {
                RefreshTokenUrl = Upstreams.Append(_options.AuthUpstream, "oauth/token"),
                BaseUrl = Upstreams.Append(_options.ChatGptUpstream, "codex"),
            },
        });
    }

    private async Task CheckAsync(ResolvedCredential credential, CancellationToken cancellationToken)
    {
        if (credential.Kind == CodexCredentialSource.ApiKey && !_options.AllowApiKeyHostCredential)
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.UnsupportedMode,
                $"forward_host_credentials: the host credential ({credential.Source}) is an API key, but the ChatGPT backend needs a ChatGPT sign-in.",
                "Run `codex login` (or `codex login --device-auth`) on the host to sign in with ChatGPT, or allow API-key host credentials to forward the key to /v1 only.");
        }

        AuthHeaders headers = await credential.Provider.GetHeadersAsync(cancellationToken).ConfigureAwait(false);
        if (credential.Provider is ChatGptTokenProvider chatGpt)
        {
            ChatGptSession session = await chatGpt.GetSessionAsync(cancellationToken).ConfigureAwait(false);
            if (session.AccessTokenExpiresAt is { } exp && exp <= _options.Clock.GetUtcNow())
            {
                throw new CodexAuthException(
                    CodexAuthFailureReason.TokenExpired,
                    $"forward_host_credentials: the host's ChatGPT access token ({session.Location}) expired at {exp:O} and could not be refreshed.",
                    CodexAuthException.SignInAgain);
            }

            if (string.IsNullOrEmpty(session.AccountId))
            {
                throw new CodexAuthException(
                    CodexAuthFailureReason.MalformedToken,
                    $"forward_host_credentials: the host's sign-in ({session.Location}) has no account id, so no ChatGPT-Account-ID can be sent.",
                    CodexAuthException.SignInAgain);
            }
        }

        ProxyLog.HostCredential(_logger, credential.Kind, credential.Source, headers.Fingerprint);
    }
}
