using Codex.Auth.AgentIdentity;
using Codex.Auth.Storage;

namespace Codex.Auth.ApiKeys;

/// <summary>Where <see cref="PersonalAccessTokenProvider"/> finds the personal access token and which services it talks to.</summary>
public sealed class PersonalAccessTokenProviderOptions
{
    /// <summary>Gets or sets an explicit token (<c>at-…</c>). When set (non-blank) it wins over every other source.</summary>
    /// <remarks>Nothing in this library prints it.</remarks>
    [System.Diagnostics.DebuggerBrowsable(System.Diagnostics.DebuggerBrowsableState.Never)]
    [System.Text.Json.Serialization.JsonIgnore]
    public string? Token { get; set; }

    /// <summary>Gets or sets a value indicating whether <c>CODEX_ACCESS_TOKEN</c> is read when it holds an <c>at-</c> token. Default <see langword="true"/>.</summary>
    public bool UseEnvironment { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether the credential store (auth.json) in <c>personalAccessToken</c> mode is read. Default <see langword="true"/>.</summary>
    public bool UseCredentialStore { get; set; } = true;

    /// <summary>Gets or sets the credential store to read (never written); <see langword="null"/> uses <c>auth.json</c> in the Codex home.</summary>
    public ICodexCredentialStore? CredentialStore { get; set; }

    /// <summary>Gets or sets the base URL requests are authenticated for. Default <c>https://chatgpt.com/backend-api/codex</c>.</summary>
    public Uri BaseUrl { get; set; } = CodexEndpoints.ChatGptCodexBaseUrl;

    /// <summary>
    /// Gets or sets the accounts API base URL for <c>whoami</c> (<c>{base}/api/accounts/v1/user-auth-credential/whoami</c>).
    /// <see langword="null"/> (the default): <c>CODEX_AUTHAPI_BASE_URL</c>, else <c>CODEX_AGENT_IDENTITY_AUTHAPI_BASE_URL</c>, else
    /// <see cref="AgentIdentityEndpoints.DefaultAuthApiBaseUrl"/> (<c>https://auth.openai.com/api/accounts</c>). It must be HTTPS
    /// or loopback, since the token is sent to it.
    /// </summary>
    public Uri? AuthApiBaseUrl { get; set; }

    /// <summary>Where <see cref="Token"/> came from, for messages (an environment variable name); <c>options</c> when unset.</summary>
    internal string? TokenSource { get; set; }
}
