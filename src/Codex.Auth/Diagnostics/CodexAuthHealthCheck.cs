using System.Globalization;
using Codex.Auth.ChatGpt;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Codex.Auth.Diagnostics;

/// <summary>
/// Whether a credential is usable, for container orchestrators and dashboards: <see cref="HealthStatus.Healthy"/> when it is;
/// <see cref="HealthStatus.Degraded"/> when renewing a ChatGPT token fails but the current token is still valid (requests still
/// succeed; someone should look before it expires), or when refreshed tokens could not be saved and are served from memory;
/// <see cref="HealthStatus.Unhealthy"/> when requests would fail: not signed
/// in, the token expired and could not be renewed, or the store cannot be read. The description says what to do; the data
/// carries the kind, the expiry and the failure reason, never a secret. <c>codex-auth proxy</c> serves the same answer at
/// <c>/.codex-auth/health</c>.
/// </summary>
/// <remarks>
/// The check asks the provider for its headers, as a request would (a cached token costs nothing and makes no network
/// call; a ChatGPT token inside its refresh window starts the usual background refresh).
/// </remarks>
/// <example>
/// <code>
/// builder.Services.AddCodexAuth();
/// builder.Services.AddHealthChecks().AddCheck&lt;CodexAuthHealthCheck&gt;("codex-auth");
/// </code>
/// </example>
public sealed class CodexAuthHealthCheck : IHealthCheck
{
    /// <summary>The data key of the credential kind (<see cref="CodexCredentialSource"/> name, for example <c>ChatGpt</c>).</summary>
    public const string KindKey = "kind";

    /// <summary>The data key of the access token's expiry (ISO 8601, UTC), when known.</summary>
    public const string ExpiresAtKey = "expires_at";

    /// <summary>The data key of the <see cref="CodexAuthFailureReason"/> of the last failure, when there is one.</summary>
    public const string FailureReasonKey = "failure_reason";

    /// <summary>The data key of the credential's fingerprint (8 hex characters of a SHA-256), when usable.</summary>
    public const string FingerprintKey = "fingerprint";

    private readonly IAuthProvider _provider;
    private readonly TimeProvider _time;

    /// <summary>Initializes a new instance of the <see cref="CodexAuthHealthCheck"/> class.</summary>
    /// <param name="provider">The credential to check, for example the one <c>AddCodexAuth</c> registers.</param>
    /// <param name="timeProvider">The clock expiry is judged on; <see langword="null"/> for <see cref="TimeProvider.System"/>.</param>
    public CodexAuthHealthCheck(IAuthProvider provider, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(provider);
        _provider = provider;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object>(StringComparer.Ordinal) { [KindKey] = KindOf(_provider) };
        AuthHeaders headers;
        try
        {
            headers = await _provider.GetHeadersAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (CodexAuthException ex)
        {
            data[FailureReasonKey] = ex.Reason.ToString();
            return HealthCheckResult.Unhealthy($"The credential is not usable ({ex.Reason}). {ex.Remediation}".TrimEnd(), data: data);
        }

        data[FingerprintKey] = headers.Fingerprint;
        if (_provider is not ChatGptTokenProvider chatGpt)
        {
            return HealthCheckResult.Healthy("The credential is usable.", data);
        }

        ChatGptSession session;
        try
        {
            session = await chatGpt.GetSessionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (CodexAuthException ex)
        {
            data[FailureReasonKey] = ex.Reason.ToString();
            return HealthCheckResult.Unhealthy($"The ChatGPT sign-in cannot be read ({ex.Reason}). {ex.Remediation}".TrimEnd(), data: data);
        }

        CodexAuthException? failure = chatGpt.LastRefreshFailure;
        if (failure is not null)
        {
            data[FailureReasonKey] = failure.Reason.ToString();
        }

        if (session.AccessTokenExpiresAt is not { } expiresAt)
        {
            if (failure is null && chatGpt.PendingSaveFailure is not null)
            {
                return Unsaved(chatGpt.PendingSaveFailure, data);
            }

            return failure is null
                ? HealthCheckResult.Healthy("The ChatGPT sign-in is usable.", data)
                : HealthCheckResult.Degraded($"Renewing the ChatGPT token fails ({failure.Reason}). {failure.Remediation}".TrimEnd(), data: data);
        }

        data[ExpiresAtKey] = expiresAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        if (expiresAt <= _time.GetUtcNow())
        {
            return HealthCheckResult.Unhealthy(
                $"The ChatGPT access token expired at {data[ExpiresAtKey]} and could not be renewed{(failure is null ? string.Empty : $" ({failure.Reason})")}. {CodexAuthException.SignInAgain}",
                data: data);
        }

        if (failure is null && chatGpt.PendingSaveFailure is { } unsaved)
        {
            return Unsaved(unsaved, data);
        }

        return failure is null
            ? HealthCheckResult.Healthy($"The ChatGPT sign-in is usable; the access token is valid until {data[ExpiresAtKey]}.", data)
            : HealthCheckResult.Degraded(
                $"Renewing the ChatGPT token fails ({failure.Reason}); the current token stays valid until {data[ExpiresAtKey]}. {failure.Remediation}".TrimEnd(),
                data: data);
    }

    // Requests succeed, but the sign-in lives only in this process until the store can be written again.
    private static HealthCheckResult Unsaved(CodexAuthException unsaved, Dictionary<string, object> data)
    {
        data[FailureReasonKey] = unsaved.Reason.ToString();
        return HealthCheckResult.Degraded(
            $"The refreshed ChatGPT tokens could not be saved ({unsaved.Reason}); they are served from memory and the save is retried. {unsaved.Remediation}".TrimEnd(),
            data: data);
    }

    private static string KindOf(IAuthProvider provider) => provider switch
    {
        ChatGptTokenProvider => nameof(CodexCredentialSource.ChatGpt),
        AgentIdentity.AgentIdentityProvider => nameof(CodexCredentialSource.AgentIdentity),
        ApiKeys.ApiKeyProvider => nameof(CodexCredentialSource.ApiKey),
        ApiKeys.PersonalAccessTokenProvider => nameof(CodexCredentialSource.PersonalAccessToken),
        _ => provider.GetType().Name,
    };
}
