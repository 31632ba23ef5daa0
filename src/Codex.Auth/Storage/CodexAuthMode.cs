namespace Codex.Auth.Storage;

/// <summary>The authentication mode of a credential store (PROTOCOL §1.1).</summary>
public enum CodexAuthMode
{
    /// <summary>A mode this library does not know; the value is kept as-is.</summary>
    Unknown = 0,

    /// <summary><c>apikey</c>: an OpenAI API key.</summary>
    ApiKey,

    /// <summary><c>chatgpt</c>: ChatGPT OAuth tokens that Codex refreshes.</summary>
    ChatGpt,

    /// <summary><c>chatgptAuthTokens</c>: ChatGPT tokens supplied by a host application.</summary>
    ChatGptAuthTokens,

    /// <summary><c>headers</c>: headers supplied by a host application.</summary>
    Headers,

    /// <summary><c>agentIdentity</c>: an Ed25519 agent identity.</summary>
    AgentIdentity,

    /// <summary><c>personalAccessToken</c>: a personal access token (<c>at-…</c>).</summary>
    PersonalAccessToken,

    /// <summary><c>bedrockApiKey</c>: an Amazon Bedrock API key.</summary>
    BedrockApiKey,
}
