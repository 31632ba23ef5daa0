using Microsoft.Extensions.Logging;

namespace Codex.Auth.Diagnostics;

/// <summary>Source-generated log messages. Arguments are fingerprints and reasons, never secrets.</summary>
internal static partial class Log
{
    [LoggerMessage(1, LogLevel.Information, "ChatGPT token refreshed ({Reason}): access token {Fingerprint}, expires {ExpiresAt:O}.")]
    public static partial void Refreshed(ILogger logger, string reason, string fingerprint, DateTimeOffset? expiresAt);

    [LoggerMessage(2, LogLevel.Information, "Adopted ChatGPT tokens refreshed by another process: access token {Fingerprint}.")]
    public static partial void Adopted(ILogger logger, string fingerprint);

    [LoggerMessage(3, LogLevel.Warning, "ChatGPT token refresh failed ({FailureReason}); next background attempt at {NextAttempt:O}.")]
    public static partial void BackgroundRefreshFailed(ILogger logger, CodexAuthFailureReason failureReason, DateTimeOffset nextAttempt);

    [LoggerMessage(4, LogLevel.Error, "ChatGPT sign-in can no longer be renewed ({FailureReason}); the user must sign in again.")]
    public static partial void PermanentFailure(ILogger logger, CodexAuthFailureReason failureReason);

    [LoggerMessage(5, LogLevel.Debug, "Reloaded credentials from {Location}: access token {Fingerprint}.")]
    public static partial void Reloaded(ILogger logger, string location, string fingerprint);

    [LoggerMessage(6, LogLevel.Information, "Recovering from HTTP 401 for access token {Fingerprint}.")]
    public static partial void Recovering(ILogger logger, string fingerprint);
}
