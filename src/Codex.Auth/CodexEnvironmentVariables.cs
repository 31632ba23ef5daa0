namespace Codex.Auth;

/// <summary>The environment variables Codex and Codex.Auth read.</summary>
public static class CodexEnvironmentVariables
{
    /// <summary>The Codex home directory (default <c>~/.codex</c>). When set and non-empty it must be an existing directory.</summary>
    public const string CodexHome = "CODEX_HOME";

    /// <summary>An API key that takes precedence over every stored credential.</summary>
    public const string CodexApiKey = "CODEX_API_KEY";

    /// <summary>A personal access token (<c>at-…</c>) or an agent-identity JWT.</summary>
    public const string CodexAccessToken = "CODEX_ACCESS_TOKEN";

    /// <summary>The older name for an agent-identity JWT.</summary>
    public const string CodexAgentIdentity = "CODEX_AGENT_IDENTITY";

    /// <summary>The OpenAI API key; used only when the caller opts in.</summary>
    public const string OpenAIApiKey = "OPENAI_API_KEY";

    /// <summary>Replaces the whole refresh-token URL.</summary>
    public const string RefreshTokenUrlOverride = "CODEX_REFRESH_TOKEN_URL_OVERRIDE";

    /// <summary>Replaces the whole revoke-token URL.</summary>
    public const string RevokeTokenUrlOverride = "CODEX_REVOKE_TOKEN_URL_OVERRIDE";

    /// <summary>Replaces the OAuth client id when non-blank.</summary>
    public const string LoginClientId = "CODEX_APP_SERVER_LOGIN_CLIENT_ID";

    /// <summary>Replaces the base URL of the agent-identity JWKS.</summary>
    public const string AgentIdentityJwksBaseUrl = "CODEX_AGENT_IDENTITY_JWKS_BASE_URL";

    /// <summary>Replaces the base URL of the agent task-registration API.</summary>
    public const string AgentIdentityAuthApiBaseUrl = "CODEX_AGENT_IDENTITY_AUTHAPI_BASE_URL";

    /// <summary>Replaces the accounts-API base URL of the personal-access-token <c>whoami</c> (includes <c>/api/accounts</c>), as the Codex CLI's own tests set it.</summary>
    public const string AuthApiBaseUrl = "CODEX_AUTHAPI_BASE_URL";

    /// <summary>Codex.Auth only: chooses the credential store (<c>file</c>, <c>keyring</c>, <c>auto</c>, <c>ephemeral</c>) over <c>cli_auth_credentials_store</c> in config.toml.</summary>
    public const string CredentialsStore = "CODEX_AUTH_CREDENTIALS_STORE";

    /// <summary>Codex.Auth only: replaces <c>chatgpt_base_url</c> from config.toml.</summary>
    public const string ChatGptBaseUrl = "CODEX_AUTH_CHATGPT_BASE_URL";

    /// <summary>Codex.Auth only: replaces <c>forced_login_method</c> (<c>chatgpt</c> or <c>api</c>) from config.toml.</summary>
    public const string ForcedLoginMethod = "CODEX_AUTH_FORCED_LOGIN_METHOD";

    /// <summary>Codex.Auth only: replaces <c>forced_chatgpt_workspace_id</c> from config.toml.</summary>
    public const string ForcedChatGptWorkspaceId = "CODEX_AUTH_FORCED_CHATGPT_WORKSPACE_ID";
}
