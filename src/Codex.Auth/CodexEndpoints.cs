namespace Codex.Auth;

/// <summary>The default service addresses used by the Codex CLI.</summary>
public static class CodexEndpoints
{
    /// <summary>The Codex backend for ChatGPT credentials: <c>https://chatgpt.com/backend-api/codex</c>.</summary>
    public static Uri ChatGptCodexBaseUrl { get; } = new("https://chatgpt.com/backend-api/codex");

    /// <summary>Other ChatGPT backend calls: <c>https://chatgpt.com/backend-api/</c>.</summary>
    public static Uri ChatGptBackendBaseUrl { get; } = new("https://chatgpt.com/backend-api/");

    /// <summary>The OpenAI API for API keys: <c>https://api.openai.com/v1</c>.</summary>
    public static Uri OpenAIApiBaseUrl { get; } = new("https://api.openai.com/v1");

    /// <summary>The OAuth issuer: <c>https://auth.openai.com</c>.</summary>
    public static Uri Issuer { get; } = new("https://auth.openai.com");

    /// <summary>The OAuth client id of the Codex CLI.</summary>
    public const string ClientId = "app_EMoamEEZ73f0CkXaXp7hrann";
}
