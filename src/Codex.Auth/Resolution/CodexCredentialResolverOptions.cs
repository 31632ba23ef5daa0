namespace Codex.Auth.Resolution;

/// <summary>What <see cref="CodexCredentialResolver"/> may use.</summary>
public sealed class CodexCredentialResolverOptions
{
    /// <summary>Gets or sets an explicit API key; when set (non-blank) it wins.</summary>
    [System.Diagnostics.DebuggerBrowsable(System.Diagnostics.DebuggerBrowsableState.Never)]
    [System.Text.Json.Serialization.JsonIgnore]
    public string? ApiKey { get; set; }

    /// <summary>Gets or sets the Codex home directory; null resolves <c>CODEX_HOME</c> or <c>~/.codex</c>.</summary>
    public string? CodexHome { get; set; }

    /// <summary>Gets or sets a value indicating whether <c>OPENAI_API_KEY</c> from the environment may be used (opt-in, after the store). Default <see langword="false"/>.</summary>
    public bool UseOpenAIApiKeyEnvironmentVariable { get; set; }

    /// <summary>Gets or sets a value indicating whether agent identities and personal access tokens are considered. Default <see langword="true"/>.</summary>
    public bool AllowAgentIdentity { get; set; } = true;

    /// <summary>
    /// Gets or sets options for a ChatGPT sign-in found in the store (for example its refresh URL or base URL);
    /// their store is replaced by the resolved one. <see langword="null"/> uses the defaults.
    /// </summary>
    public ChatGpt.ChatGptTokenProviderOptions? ChatGpt { get; set; }

    /// <summary>
    /// Gets or sets configuration set in code (store, <c>chatgpt_base_url</c>) that wins over the environment and
    /// <c>config.toml</c>; <see langword="null"/> for none. Its <c>CodexHome</c> is used when <see cref="CodexHome"/> is not set.
    /// </summary>
    public Configuration.CodexConfigurationOptions? Configuration { get; set; }
}
