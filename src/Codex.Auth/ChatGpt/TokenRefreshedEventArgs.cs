namespace Codex.Auth.ChatGpt;

/// <summary>Describes a completed refresh. Holds no secret.</summary>
public sealed class TokenRefreshedEventArgs : EventArgs
{
    /// <summary>Creates the arguments.</summary>
    /// <param name="reason">Why the refresh ran.</param>
    /// <param name="adopted">Whether the tokens were adopted from the store (another process refreshed) instead of fetched.</param>
    /// <param name="fingerprint">The new access token's fingerprint.</param>
    /// <param name="expiresAt">The new access token's expiry, when it has one.</param>
    public TokenRefreshedEventArgs(RefreshReason reason, bool adopted, string fingerprint, DateTimeOffset? expiresAt)
    {
        Reason = reason;
        Adopted = adopted;
        Fingerprint = fingerprint;
        ExpiresAt = expiresAt;
    }

    /// <summary>Gets why the refresh ran.</summary>
    public RefreshReason Reason { get; }

    /// <summary>Gets a value indicating whether the tokens were adopted from the store rather than fetched.</summary>
    public bool Adopted { get; }

    /// <summary>Gets the new access token's fingerprint.</summary>
    public string Fingerprint { get; }

    /// <summary>Gets the new access token's expiry, when it has one.</summary>
    public DateTimeOffset? ExpiresAt { get; }
}
