using Microsoft.Extensions.Logging;

namespace Codex.Auth.Diagnostics;

/// <summary>
/// Source-generated log messages. Arguments are fingerprints, ids, reasons and locations — never a token, key,
/// assertion or private key. Callers guard anything that costs more than a field read with <c>IsEnabled</c>.
/// </summary>
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

    [LoggerMessage(7, LogLevel.Debug, "Refreshing ChatGPT token ({Reason}): access token {Fingerprint}.")]
    public static partial void Refreshing(ILogger logger, string reason, string fingerprint);

    [LoggerMessage(8, LogLevel.Warning, "ChatGPT token refresh failed transiently ({FailureReason}); the current token is kept while it is valid.")]
    public static partial void RefreshFailed(ILogger logger, CodexAuthFailureReason failureReason);

    [LoggerMessage(9, LogLevel.Information, "HTTP 401 recovery for access token {Fingerprint}: {Outcome}.")]
    public static partial void Recovered(ILogger logger, string fingerprint, string outcome);

    [LoggerMessage(10, LogLevel.Debug, "The credential store {Location} changed; credentials are reloaded on the next request.")]
    public static partial void StoreChanged(ILogger logger, string location);

    [LoggerMessage(24, LogLevel.Warning, "The refreshed ChatGPT tokens (access token {Fingerprint}) could not be saved to {Location} ({FailureReason}, {ExceptionType}); they are served from memory, the refresh token in {Location} is spent, and the save is retried at {NextAttempt:O} (attempt {Failures} failed).")]
    public static partial void SaveFailed(ILogger logger, string fingerprint, string location, CodexAuthFailureReason failureReason, string exceptionType, DateTimeOffset nextAttempt, int failures);

    [LoggerMessage(25, LogLevel.Information, "Saved the refreshed ChatGPT tokens (access token {Fingerprint}) to {Location} after {Failures} failed attempts.")]
    public static partial void SaveRecovered(ILogger logger, string fingerprint, string location, int failures);

    [LoggerMessage(26, LogLevel.Warning, "{Location} now holds other credentials than the unsaved refreshed tokens (access token {Fingerprint}) in memory; those were written after them and are used instead.")]
    public static partial void UnsavedTokensSuperseded(ILogger logger, string location, string fingerprint);

    [LoggerMessage(27, LogLevel.Error, "Stopped with refreshed ChatGPT tokens (access token {Fingerprint}) that could not be saved to {Location}; the refresh token it holds is spent, so the next use there must sign in again (codex login).")]
    public static partial void UnsavedTokensLost(ILogger logger, string fingerprint, string location);

    [LoggerMessage(100, LogLevel.Warning, "The credential store {Location} cannot be read; the current token is served until it expires.")]
    public static partial void StoreUnavailable(ILogger logger, string location);

    [LoggerMessage(11, LogLevel.Information, "Loaded agent identity {AgentRuntimeId} for account {AccountId} from {Source}.")]
    public static partial void AgentIdentityLoaded(ILogger logger, string agentRuntimeId, string accountId, string source);

    [LoggerMessage(12, LogLevel.Information, "Registered a task for agent {AgentRuntimeId}.")]
    public static partial void TaskRegistered(ILogger logger, string agentRuntimeId);

    [LoggerMessage(13, LogLevel.Error, "Agent identity could not be used ({FailureReason}); the next request tries again.")]
    public static partial void AgentIdentityFailed(ILogger logger, string failureReason);

    [LoggerMessage(14, LogLevel.Information, "Personal access token {Fingerprint} belongs to account {AccountId}.")]
    public static partial void PersonalAccessTokenIdentified(ILogger logger, string fingerprint, string? accountId);

    [LoggerMessage(15, LogLevel.Error, "Personal access token could not be used ({FailureReason}); the next request tries again.")]
    public static partial void PersonalAccessTokenFailed(ILogger logger, string failureReason);

    [LoggerMessage(16, LogLevel.Information, "Signed in ({Flow}) to account {AccountId}, saved to {Location}.")]
    public static partial void SignedIn(ILogger logger, string flow, string? accountId, string location);

    [LoggerMessage(17, LogLevel.Warning, "Sign-in ({Flow}) failed ({FailureReason}).")]
    public static partial void SignInFailed(ILogger logger, string flow, string failureReason);

    [LoggerMessage(18, LogLevel.Debug, "Device code issued; polling every {Interval}.")]
    public static partial void DeviceCodeIssued(ILogger logger, TimeSpan interval);

    [LoggerMessage(19, LogLevel.Information, "Signed out of {Location}: revoke {Revoke}.")]
    public static partial void SignedOut(ILogger logger, string location, string revoke);

    [LoggerMessage(40, LogLevel.Warning, "Unsafe permissions: {Warning}")]
    public static partial void InsecurePermissions(ILogger logger, string warning);

    [LoggerMessage(20, LogLevel.Information, "Workspace routing for account {AccountId}: model calls go to {Origin} with routing override {RoutingOverride}.")]
    public static partial void RoutingDiscovered(ILogger logger, string accountId, string origin, string routingOverride);

    [LoggerMessage(21, LogLevel.Warning, "Workspace routing discovery attempt {Attempt} failed transiently ({Failure}).")]
    public static partial void RoutingDiscoveryRetry(ILogger logger, int attempt, string failure);

    [LoggerMessage(22, LogLevel.Error, "Workspace routing discovery failed ({FailureReason}); nothing was sent.")]
    public static partial void RoutingDiscoveryFailed(ILogger logger, CodexAuthFailureReason failureReason);

    [LoggerMessage(23, LogLevel.Information, "{DiscoveryUrl} answered 404: this backend has no workspace routing, so model calls stay on chatgpt_base_url.")]
    public static partial void RoutingNotOffered(ILogger logger, string discoveryUrl);

    [LoggerMessage(40, LogLevel.Warning, "A subscriber to {EventName} threw {ExceptionType}; it was ignored, and the other subscribers and the operation that raised the event were not affected.")]
    public static partial void SubscriberFailed(ILogger logger, string eventName, string exceptionType);
}
