namespace Codex.Auth.AgentIdentity;

/// <summary>
/// The agent-identity service addresses and how their overrides are interpreted.
/// </summary>
/// <remarks>
/// <para>A base URL is used with its trailing slashes removed and the fixed path appended, so
/// <c>CODEX_AGENT_IDENTITY_JWKS_BASE_URL=http://127.0.0.1:5000/backend-api/</c> gives
/// <c>http://127.0.0.1:5000/backend-api/wham/agent-identities/jwks</c>, and
/// <c>CODEX_AGENT_IDENTITY_AUTHAPI_BASE_URL=http://127.0.0.1:5000/api/accounts</c> gives
/// <c>http://127.0.0.1:5000/api/accounts/v1/agent/{agent_runtime_id}/task/register</c> — as in the Codex CLI, the
/// accounts-API base includes <c>/api/accounts</c> (its default is <c>https://auth.openai.com/api/accounts</c>).</para>
/// </remarks>
public static class AgentIdentityEndpoints
{
    /// <summary>The path appended to the JWKS base URL.</summary>
    public const string JwksPath = "wham/agent-identities/jwks";

    /// <summary>The JWKS path appended to a base URL without <c>/backend-api</c> in its path (PROTOCOL §5.2): <c>agent-identities/jwks</c>.</summary>
    public const string OtherBaseJwksPath = "agent-identities/jwks";

    /// <summary>The default JWKS base URL: <c>https://chatgpt.com/backend-api</c> (so the JWKS is at <c>https://chatgpt.com/backend-api/wham/agent-identities/jwks</c>).</summary>
    public static Uri DefaultJwksBaseUrl { get; } = new("https://chatgpt.com/backend-api");

    /// <summary>The default base URL of the accounts API used for task registration and <c>whoami</c>: <c>https://auth.openai.com/api/accounts</c>.</summary>
    public static Uri DefaultAuthApiBaseUrl { get; } = new("https://auth.openai.com/api/accounts");

    /// <summary>The issuer an agent-identity JWT must carry.</summary>
    public const string Issuer = "https://chatgpt.com/codex-backend/agent-identity";

    /// <summary>The audience an agent-identity JWT must carry.</summary>
    public const string Audience = "codex-app-server";

    /// <summary>Gets the JWKS URL for a base URL.</summary>
    /// <param name="baseUrl">The base, for example <c>https://chatgpt.com/backend-api</c>.</param>
    /// <returns><c>{base}/wham/agent-identities/jwks</c>.</returns>
    public static Uri JwksUrl(Uri baseUrl)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        return Combine(baseUrl, baseUrl.IsAbsoluteUri && baseUrl.AbsolutePath.Contains("/backend-api", StringComparison.OrdinalIgnoreCase) ? JwksPath : OtherBaseJwksPath);
    }

    /// <summary>Gets the task-registration URL.</summary>
    /// <param name="authApiBaseUrl">The accounts API base, for example <c>https://auth.openai.com/api/accounts</c>.</param>
    /// <param name="agentRuntimeId">The agent runtime id (escaped into the path).</param>
    /// <returns><c>{base}/v1/agent/{agent_runtime_id}/task/register</c>.</returns>
    public static Uri TaskRegistrationUrl(Uri authApiBaseUrl, string agentRuntimeId)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentRuntimeId);
        return Combine(authApiBaseUrl, $"v1/agent/{Uri.EscapeDataString(agentRuntimeId)}/task/register");
    }

    /// <summary>Gets the personal-access-token <c>whoami</c> URL.</summary>
    /// <param name="authApiBaseUrl">The accounts API base, for example <c>https://auth.openai.com/api/accounts</c>.</param>
    /// <returns><c>{base}/v1/user-auth-credential/whoami</c>.</returns>
    public static Uri WhoAmIUrl(Uri authApiBaseUrl) => Combine(authApiBaseUrl, "v1/user-auth-credential/whoami");

    internal static Uri Combine(Uri baseUrl, string relative)
    {
        ArgumentNullException.ThrowIfNull(baseUrl);
        if (!baseUrl.IsAbsoluteUri)
        {
            throw new ArgumentException("The base URL must be absolute.", nameof(baseUrl));
        }

        string text = baseUrl.GetLeftPart(UriPartial.Path).TrimEnd('/');
        return new Uri(text + "/" + relative);
    }
}
