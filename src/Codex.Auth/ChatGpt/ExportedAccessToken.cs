using System.Diagnostics;
using Codex.Auth.Internal;

namespace Codex.Auth.ChatGpt;

/// <summary>
/// An access token handed out for a host to pass on (to a proxy or sandbox). The token is only available through
/// <see cref="Reveal"/>; no property, <see cref="ToString"/> or debugger display shows it. The refresh token is never exported.
/// </summary>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class ExportedAccessToken
{
    private readonly string _accessToken;

    internal ExportedAccessToken(string accessToken, DateTimeOffset? expiresAt, string? accountId, bool isFedRamp, CodexAuthException? refreshError)
    {
        _accessToken = accessToken;
        ExpiresAt = expiresAt;
        AccountId = accountId;
        IsFedRamp = isFedRamp;
        RefreshError = refreshError;
        Fingerprint = Fingerprints.Of(accessToken);
    }

    /// <summary>Gets the token's expiry (<c>exp</c>), when it has one.</summary>
    public DateTimeOffset? ExpiresAt { get; }

    /// <summary>Gets the account id to send as <c>ChatGPT-Account-ID</c>.</summary>
    public string? AccountId { get; }

    /// <summary>Gets a value indicating whether <c>X-OpenAI-Fedramp: true</c> must be sent.</summary>
    public bool IsFedRamp { get; }

    /// <summary>Gets a short fingerprint of the token.</summary>
    public string Fingerprint { get; }

    /// <summary>Gets the error of a refresh that was attempted first and failed (the still-valid current token is exported), or <see langword="null"/>.</summary>
    public CodexAuthException? RefreshError { get; }

    /// <summary>Returns the access token itself. Call it only to hand the token on.</summary>
    /// <returns>The access token.</returns>
    public string Reveal() => _accessToken;

    /// <inheritdoc />
    public override string ToString() => $"access token [{Fingerprint}] account={AccountId} expires={ExpiresAt:O}";
}
