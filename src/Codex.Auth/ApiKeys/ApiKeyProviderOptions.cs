namespace Codex.Auth.ApiKeys;

/// <summary>Where <see cref="ApiKeyProvider"/> looks for an API key.</summary>
public sealed class ApiKeyProviderOptions
{
    /// <summary>Gets or sets an explicit key. When set (non-blank) it wins over every other source.</summary>
    /// <remarks>Write-only in spirit: nothing in this library prints it.</remarks>
    [System.Diagnostics.DebuggerBrowsable(System.Diagnostics.DebuggerBrowsableState.Never)]
    [System.Text.Json.Serialization.JsonIgnore]
    public string? ApiKey { get; set; }

    /// <summary>Gets or sets a value indicating whether <c>CODEX_API_KEY</c> is read. Default <see langword="true"/>.</summary>
    public bool UseEnvironment { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether <c>OPENAI_API_KEY</c> from the environment is read (opt-in; Codex itself does not). Default <see langword="false"/>.</summary>
    public bool UseOpenAIApiKeyEnvironmentVariable { get; set; }

    /// <summary>Gets or sets a value indicating whether auth.json in API-key mode is read. Default <see langword="true"/>.</summary>
    public bool UseCredentialStore { get; set; } = true;

    /// <summary>Gets or sets the Codex home directory; <see langword="null"/> resolves it from <c>CODEX_HOME</c> or <c>~/.codex</c>.</summary>
    public string? CodexHome { get; set; }

    /// <summary>Gets or sets the base URL the key is valid for. Default <c>https://api.openai.com/v1</c>.</summary>
    public Uri BaseUrl { get; set; } = CodexEndpoints.OpenAIApiBaseUrl;
}
