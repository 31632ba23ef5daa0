namespace Codex.Auth.Configuration;

/// <summary>
/// <c>forced_login_method</c> and <c>forced_chatgpt_workspace_id</c> at sign-in, as the Codex CLI applies them: the
/// other method is refused before anything is sent, and a ChatGPT sign-in to another workspace is refused after the
/// code exchange and never saved.
/// </summary>
internal static class LoginRestrictions
{
    public static void EnsureChatGptAllowed(CodexLoginMethod? forced)
    {
        if (forced == CodexLoginMethod.Api)
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.SignInFailed,
                "ChatGPT sign-in is disabled: config.toml sets forced_login_method = \"api\".",
                "Sign in with an API key instead (`codex-auth login --with-api-key`), or remove forced_login_method from $CODEX_HOME/config.toml.");
        }
    }

    public static void EnsureApiKeyAllowed(CodexLoginMethod? forced)
    {
        if (forced == CodexLoginMethod.ChatGpt)
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.SignInFailed,
                "API key sign-in is disabled: config.toml sets forced_login_method = \"chatgpt\".",
                "Sign in with ChatGPT instead (`codex-auth login`), or remove forced_login_method from $CODEX_HOME/config.toml.");
        }
    }

    /// <summary>Refuses a ChatGPT sign-in whose id_token names another workspace (or none).</summary>
    public static void EnsureWorkspaceAllowed(string? expected, string? actual)
    {
        if (expected is null || string.Equals(expected, actual, StringComparison.Ordinal))
        {
            return;
        }

        throw new CodexAuthException(
            CodexAuthFailureReason.SignInFailed,
            actual is null
                ? $"Sign-in is restricted to workspace {expected} (forced_chatgpt_workspace_id), but the sign-in names no workspace. Nothing was saved."
                : $"Sign-in is restricted to workspace {expected} (forced_chatgpt_workspace_id); this sign-in is for workspace {actual}. Nothing was saved.",
            $"Sign in again and choose workspace {expected}, or change forced_chatgpt_workspace_id in $CODEX_HOME/config.toml.");
    }
}
