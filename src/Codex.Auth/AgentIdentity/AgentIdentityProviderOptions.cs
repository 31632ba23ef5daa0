using Codex.Auth.Storage;

namespace Codex.Auth.AgentIdentity;

/// <summary>Where <see cref="AgentIdentityProvider"/> finds the agent identity and which services it talks to.</summary>
public sealed class AgentIdentityProviderOptions
{
    /// <summary>
    /// Gets or sets an explicit identity: an agent-identity JWT, or the JSON text of an auth.json record object
    /// (<c>{"agent_runtime_id":…,"agent_private_key":…,…}</c>). When set (non-blank) it wins over every other source.
    /// </summary>
    /// <remarks>Holds a private key; nothing in this library prints it.</remarks>
    [System.Diagnostics.DebuggerBrowsable(System.Diagnostics.DebuggerBrowsableState.Never)]
    [System.Text.Json.Serialization.JsonIgnore]
    public string? Identity { get; set; }

    /// <summary>
    /// Gets or sets a value indicating whether <c>CODEX_ACCESS_TOKEN</c> (when it is not an <c>at-</c> personal access
    /// token) and then <c>CODEX_AGENT_IDENTITY</c> are read. Default <see langword="true"/>.
    /// </summary>
    public bool UseEnvironment { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether the credential store (auth.json) in <c>agentIdentity</c> mode is read. Default <see langword="true"/>.</summary>
    public bool UseCredentialStore { get; set; } = true;

    /// <summary>
    /// Gets or sets the credential store to read (never written). <see langword="null"/> uses <c>auth.json</c> in the
    /// Codex home (<c>CODEX_HOME</c> or <c>~/.codex</c>).
    /// </summary>
    public ICodexCredentialStore? CredentialStore { get; set; }

    /// <summary>Gets or sets the base URL requests are authenticated for. Default <c>https://chatgpt.com/backend-api/codex</c>.</summary>
    public Uri BaseUrl { get; set; } = CodexEndpoints.ChatGptCodexBaseUrl;

    /// <summary>
    /// Gets or sets the JWKS base URL; the keys are fetched from <c>{base}/wham/agent-identities/jwks</c>.
    /// <see langword="null"/> uses <c>CODEX_AGENT_IDENTITY_JWKS_BASE_URL</c> when set, otherwise
    /// <see cref="AgentIdentityEndpoints.DefaultJwksBaseUrl"/>.
    /// </summary>
    public Uri? JwksBaseUrl { get; set; }

    /// <summary>
    /// Gets or sets the accounts API base URL for task registration. <see langword="null"/> uses
    /// <c>CODEX_AGENT_IDENTITY_AUTHAPI_BASE_URL</c> when set, otherwise <see cref="AgentIdentityEndpoints.DefaultAuthApiBaseUrl"/>.
    /// </summary>
    public Uri? AuthApiBaseUrl { get; set; }

    /// <summary>Gets or sets the delay before the first registration retry (doubled before the second). Default 1 second.</summary>
    public TimeSpan RegistrationRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the time limit of one registration attempt; <see cref="Timeout.InfiniteTimeSpan"/> for none. Default 30 seconds.</summary>
    public TimeSpan RegistrationAttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Where <see cref="Identity"/> came from, for messages (an environment variable name); <c>options</c> when unset.</summary>
    internal string? IdentitySource { get; set; }
}
