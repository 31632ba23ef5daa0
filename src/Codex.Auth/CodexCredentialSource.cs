namespace Codex.Auth;

/// <summary>Which kind of credential <c>AddCodexAuth</c> uses.</summary>
public enum CodexCredentialSource
{
    /// <summary>Pick the credential the way the Codex CLI does (explicit key, <c>CODEX_API_KEY</c>, <c>CODEX_ACCESS_TOKEN</c>, then auth.json by its mode).</summary>
    Auto = 0,

    /// <summary>An API key only (explicit, <c>CODEX_API_KEY</c>, or auth.json in API-key mode).</summary>
    ApiKey,

    /// <summary>ChatGPT sign-in tokens from the credential store.</summary>
    ChatGpt,

    /// <summary>An agent identity (<c>CODEX_ACCESS_TOKEN</c> / <c>CODEX_AGENT_IDENTITY</c>, or auth.json in <c>agentIdentity</c> mode); a personal access token when the value starts with <c>at-</c>.</summary>
    AgentIdentity,

    /// <summary>A personal access token (<c>at-…</c>).</summary>
    PersonalAccessToken,
}
