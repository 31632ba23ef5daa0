namespace Codex.Auth.ChatGpt;

/// <summary>Why a refresh was sent; sent as <c>refresh_reason</c> (PROTOCOL §4).</summary>
public enum RefreshReason
{
    /// <summary><c>proactive_expiry</c>: the access token is about to expire (or has).</summary>
    ProactiveExpiry,

    /// <summary><c>unauthorized_recovery</c>: the backend answered HTTP 401.</summary>
    UnauthorizedRecovery,
}
