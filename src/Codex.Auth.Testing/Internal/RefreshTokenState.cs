namespace Codex.Auth.Testing.Internal;

/// <summary>What the server knows of a refresh token it issued.</summary>
internal enum RefreshTokenStatus
{
    Current,
    Spent,
    Revoked,
    Replaced,
}

/// <summary>A refresh token's account and status.</summary>
internal sealed class RefreshTokenState(string accountId)
{
    public string AccountId { get; } = accountId;

    public RefreshTokenStatus Status { get; set; } = RefreshTokenStatus.Current;
}
