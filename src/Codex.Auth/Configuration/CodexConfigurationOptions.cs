namespace Codex.Auth.Configuration;

/// <summary>
/// Configuration set in code. Each property left <see langword="null"/> falls back to the environment, then to
/// <c>$CODEX_HOME/config.toml</c>, then to the default (<see cref="CodexConfiguration.Resolve"/>).
/// </summary>
public sealed class CodexConfigurationOptions
{
    /// <summary>Gets or sets the Codex home directory (default: <c>CODEX_HOME</c>, else <c>~/.codex</c>). When set it must exist.</summary>
    public string? CodexHome { get; set; }

    /// <summary>Gets or sets the credential store (default: <c>CODEX_AUTH_CREDENTIALS_STORE</c>, then <c>cli_auth_credentials_store</c>, then <see cref="CodexCredentialStoreMode.File"/>).</summary>
    public CodexCredentialStoreMode? CredentialsStore { get; set; }

    /// <summary>Gets or sets the ChatGPT backend base URL (default: <c>CODEX_AUTH_CHATGPT_BASE_URL</c>, then <c>chatgpt_base_url</c>, then <c>https://chatgpt.com/backend-api/</c>).</summary>
    public Uri? ChatGptBaseUrl { get; set; }

    /// <summary>Gets or sets the only sign-in method allowed (default: <c>CODEX_AUTH_FORCED_LOGIN_METHOD</c>, then <c>forced_login_method</c>, then any).</summary>
    public CodexLoginMethod? ForcedLoginMethod { get; set; }

    /// <summary>Gets or sets the only ChatGPT workspace allowed (default: <c>CODEX_AUTH_FORCED_CHATGPT_WORKSPACE_ID</c>, then <c>forced_chatgpt_workspace_id</c>, then any).</summary>
    public string? ForcedChatGptWorkspaceId { get; set; }

    /// <summary>Gets or sets the data-residency region to require (default: <c>enforce_residency</c>, then none).</summary>
    public Routing.CodexResidency? EnforceResidency { get; set; }
}
