namespace Codex.Auth.Configuration;

/// <summary>The only sign-in method a machine allows: <c>forced_login_method</c> in <c>config.toml</c>.</summary>
public enum CodexLoginMethod
{
    /// <summary><c>chatgpt</c>: only a ChatGPT sign-in; API keys are refused.</summary>
    ChatGpt = 0,

    /// <summary><c>api</c>: only an API key; a ChatGPT sign-in is refused.</summary>
    Api,
}
