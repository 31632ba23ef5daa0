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
}
