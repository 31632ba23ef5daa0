using Codex.Auth.Storage;

namespace Codex.Auth.SignIn;

/// <summary>The outcome of a successful sign-in: who is signed in and where the credentials were saved. Holds no secret.</summary>
public sealed class SignInResult
{
    internal SignInResult(CodexAuthMode mode, string? accountId, string? email, string? planType, string location, RevokeOutcome previousCredentials)
    {
        Mode = mode;
        AccountId = accountId;
        Email = email;
        PlanType = planType;
        Location = location;
        PreviousCredentials = previousCredentials;
    }

    /// <summary>Gets the mode now stored.</summary>
    public CodexAuthMode Mode { get; }

    /// <summary>Gets the ChatGPT account id (the id token's <c>chatgpt_account_id</c>), or <see langword="null"/>.</summary>
    public string? AccountId { get; }

    /// <summary>Gets the signed-in e-mail address, or <see langword="null"/>.</summary>
    public string? Email { get; }

    /// <summary>Gets the ChatGPT plan type as the server sent it, or <see langword="null"/>.</summary>
    public string? PlanType { get; }

    /// <summary>Gets where the credentials were saved (a path, or "memory").</summary>
    public string Location { get; }

    /// <summary>Gets what happened to the credentials that were stored before.</summary>
    public RevokeOutcome PreviousCredentials { get; }

    /// <summary>Describes the result without any secret.</summary>
    /// <returns>For example <c>chatgpt account=acct_1 at /home/me/.codex/auth.json</c>.</returns>
    public override string ToString() => AccountId is null ? $"{Mode} at {Location}" : $"{Mode} account={AccountId} at {Location}";
}
