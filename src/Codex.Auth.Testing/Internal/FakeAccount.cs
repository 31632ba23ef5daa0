namespace Codex.Auth.Testing.Internal;

/// <summary>The identity claims of a fake ChatGPT account.</summary>
internal sealed record FakeAccount(string AccountId, string Email, string Plan, bool IsFedRamp, string UserId)
{
    public static FakeAccount Create(string accountId, string email, string plan, bool isFedRamp, string? userId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accountId);
        ArgumentNullException.ThrowIfNull(email);
        ArgumentException.ThrowIfNullOrWhiteSpace(plan);
        return new FakeAccount(accountId, email, plan, isFedRamp, userId ?? "user-" + accountId);
    }
}
