using Codex.Auth.Storage;

namespace Codex.Auth.ChatGpt;

/// <summary>Options for <see cref="ChatGptTokenProvider"/>.</summary>
public sealed class ChatGptTokenProviderOptions
{
    /// <summary>
    /// Gets or sets the credential store the sign-in is read from and refreshed into (named as in the other providers' options).
    /// Default <see langword="null"/>: the store <c>cli_auth_credentials_store</c> names in <see cref="CodexHome"/> (<c>auth.json</c> unless configured otherwise).
    /// </summary>
    public ICodexCredentialStore? CredentialStore { get; set; }

    /// <summary>Gets or sets the credential store; the former name of <see cref="CredentialStore"/>, which it reads and writes.</summary>
    [Obsolete("Use CredentialStore (the name the other providers' options use). Store will be removed in a future major version.")]
    [System.ComponentModel.EditorBrowsable(System.ComponentModel.EditorBrowsableState.Never)]
    public ICodexCredentialStore? Store
    {
        get => CredentialStore;
        set => CredentialStore = value;
    }

    /// <summary>Gets or sets the Codex home directory used when <see cref="CredentialStore"/> is null; null resolves <c>CODEX_HOME</c> or <c>~/.codex</c>.</summary>
    public string? CodexHome { get; set; }

    /// <summary>Gets or sets the refresh URL. Default: <c>CODEX_REFRESH_TOKEN_URL_OVERRIDE</c>, else <c>https://auth.openai.com/oauth/token</c>.</summary>
    public Uri? RefreshTokenUrl { get; set; }

    /// <summary>Gets or sets the OAuth client id. Default: <c>CODEX_APP_SERVER_LOGIN_CLIENT_ID</c> when non-blank, else the Codex CLI's.</summary>
    public string? ClientId { get; set; }

    /// <summary>Gets or sets the base URL requests go to. Default <c>https://chatgpt.com/backend-api/codex</c>.</summary>
    public Uri BaseUrl { get; set; } = CodexEndpoints.ChatGptCodexBaseUrl;

    /// <summary>Gets or sets how long before the access token's <c>exp</c> to refresh (clamped to half the token's lifetime). Default 5 minutes.</summary>
    public TimeSpan RefreshBeforeExpiry { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets how long after <c>last_refresh</c> to refresh a token that has no <c>exp</c>. Default 8 days.</summary>
    public TimeSpan RefreshIntervalWithoutExpiry { get; set; } = TimeSpan.FromDays(8);

    /// <summary>Gets or sets how long to wait before retrying a failed background refresh. Default 30 seconds.</summary>
    public TimeSpan BackgroundRetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets how long to watch the store for tokens refreshed by another program after a refresh came back
    /// <c>refresh_token_reused</c>. Default 5 seconds.
    /// </summary>
    public TimeSpan ReusedTokenGracePeriod { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how many times a transiently failed refresh POST is retried (exponential back-off with jitter, <c>Retry-After</c> honoured). Default 3.</summary>
    public int MaxRefreshRetries { get; set; } = 3;

    /// <summary>Gets or sets the base delay between refresh retries. Default 1 second.</summary>
    public TimeSpan RefreshRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the timeout of one refresh attempt; <see cref="Timeout.InfiniteTimeSpan"/> for none. Default 30 seconds.</summary>
    public TimeSpan RefreshAttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets a value indicating whether the store is watched so that tokens written by another process are picked up at once. Default <see langword="true"/>.</summary>
    public bool WatchStore { get; set; } = true;

    /// <summary>Returns a copy (for a factory that must set the store without changing the caller's options).</summary>
    internal ChatGptTokenProviderOptions Clone() => (ChatGptTokenProviderOptions)MemberwiseClone();
}
