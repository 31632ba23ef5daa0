namespace Codex.Auth;

/// <summary>Options for <c>AddCodexAuth</c>.</summary>
public sealed class CodexAuthOptions
{
    /// <summary>Gets or sets which credential to use. Default <see cref="CodexCredentialSource.Auto"/>.</summary>
    public CodexCredentialSource Source { get; set; } = CodexCredentialSource.Auto;

    /// <summary>Gets or sets an explicit API key; when set it wins over every other source.</summary>
    [System.Diagnostics.DebuggerBrowsable(System.Diagnostics.DebuggerBrowsableState.Never)]
    [System.Text.Json.Serialization.JsonIgnore]
    public string? ApiKey { get; set; }

    /// <summary>Gets or sets the Codex home directory; <see langword="null"/> uses <c>CODEX_HOME</c> or <c>~/.codex</c>.</summary>
    public string? CodexHome { get; set; }

    /// <summary>Gets or sets a value indicating whether <c>OPENAI_API_KEY</c> from the environment may be used (opt-in). Default <see langword="false"/>.</summary>
    public bool UseOpenAIApiKeyEnvironmentVariable { get; set; }

    /// <summary>Gets extra hosts credentials may be sent to, besides the provider's base URL host and loopback.</summary>
    public IList<string> AllowedHosts { get; } = new List<string>();

    /// <summary>Gets or sets a value indicating whether a 401 is retried once after the provider recovers. Default <see langword="true"/>.</summary>
    public bool RetryOnUnauthorized { get; set; } = true;

    /// <summary>
    /// Gets or sets a value indicating whether clients with <c>AddCodexAuthHandler</c> follow workspace routing (PROTOCOL §9): model calls
    /// (<c>…/backend-api/codex/…</c>) of a residency-constrained workspace go to the origin discovery names, with
    /// <c>x-openai-account-routing-override</c>. Unconstrained accounts are unaffected. Default <see langword="true"/>.
    /// </summary>
    public bool FollowWorkspaceRouting { get; set; } = true;

    /// <summary>
    /// Gets or sets the residency to insist on (config.toml <c>enforce_residency = "us"</c>): every request carries
    /// <c>x-openai-internal-codex-residency: us</c>, and an unconstrained workspace is refused before anything is sent.
    /// Default <see cref="Routing.CodexResidency.None"/>.
    /// </summary>
    public Routing.CodexResidency EnforceResidency { get; set; }

    /// <summary>
    /// Gets or sets where the sign-in is kept. Default <see langword="null"/>: <c>CODEX_AUTH_CREDENTIALS_STORE</c>, then
    /// <c>cli_auth_credentials_store</c> in <c>$CODEX_HOME/config.toml</c>, then <c>auth.json</c> — as the Codex CLI decides.
    /// </summary>
    public Configuration.CodexCredentialStoreMode? CredentialsStore { get; set; }

    /// <summary>
    /// Gets or sets the ChatGPT backend base URL (<c>chatgpt_base_url</c>); ChatGPT credentials are sent to <c>codex/</c>
    /// beneath it. Default <see langword="null"/>: <c>CODEX_AUTH_CHATGPT_BASE_URL</c>, then config.toml, then
    /// <c>https://chatgpt.com/backend-api/</c>.
    /// </summary>
    public Uri? ChatGptBaseUrl { get; set; }
}
