using Codex.Auth.ChatGpt;
using Codex.Auth.Storage;

namespace Codex.Auth.SignIn;

/// <summary>
/// Who is signed in according to a credential store: the mode, account, plan, e-mail, FedRAMP flag, access-token
/// expiry and last refresh. Holds no secret; built by <see cref="CodexSignIn.GetStatusAsync"/> or <see cref="FromDocument"/>.
/// </summary>
public sealed class SignInStatus
{
    private SignInStatus(CodexAuthMode mode, string location)
    {
        Mode = mode;
        Location = location;
    }

    /// <summary>Gets the stored mode.</summary>
    public CodexAuthMode Mode { get; }

    /// <summary>Gets the raw <c>auth_mode</c> value, or <see langword="null"/> when the mode was inferred.</summary>
    public string? AuthModeValue { get; private init; }

    /// <summary>Gets the ChatGPT account id stored in <c>tokens.account_id</c>, or <see langword="null"/>.</summary>
    public string? AccountId { get; private init; }

    /// <summary>Gets the e-mail address from the id token, or <see langword="null"/>.</summary>
    public string? Email { get; private init; }

    /// <summary>Gets the ChatGPT plan type from the id token, as sent, or <see langword="null"/>.</summary>
    public string? PlanType { get; private init; }

    /// <summary>Gets a value indicating whether the id token marks the account as FedRAMP.</summary>
    public bool IsFedRamp { get; private init; }

    /// <summary>Gets the access token's <c>exp</c>, or <see langword="null"/> when it has none (or is opaque).</summary>
    public DateTimeOffset? AccessTokenExpiresAt { get; private init; }

    /// <summary>Gets <c>last_refresh</c>, or <see langword="null"/>.</summary>
    public DateTimeOffset? LastRefresh { get; private init; }

    /// <summary>Gets a value indicating whether a refresh token is stored (ChatGPT modes).</summary>
    public bool HasRefreshToken { get; private init; }

    /// <summary>Gets where the credentials are stored (a path, or "memory").</summary>
    public string Location { get; }

    /// <summary>Describes a stored document without revealing any secret.</summary>
    /// <param name="document">The document.</param>
    /// <param name="location">Where it is stored.</param>
    /// <returns>The status.</returns>
    public static SignInStatus FromDocument(CodexAuthDocument document, string location)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(location);
        ChatGptIdentity? id = TryRead(() => ChatGptTokenClaims.ReadIdentity(document.Tokens!.IdToken), document.Tokens?.IdToken);
        DateTimeOffset? expires = TryRead(() => ChatGptTokenClaims.ReadExpiry(document.Tokens!.AccessToken), document.Tokens?.AccessToken);
        return new SignInStatus(document.Mode, location)
        {
            AuthModeValue = document.AuthModeValue,
            AccountId = document.AccountId,
            Email = id?.Email,
            PlanType = id?.PlanType,
            IsFedRamp = id?.IsFedRamp ?? false,
            AccessTokenExpiresAt = expires,
            LastRefresh = document.LastRefresh,
            HasRefreshToken = !string.IsNullOrEmpty(document.Tokens?.RefreshToken),
        };
    }

    /// <summary>Status is best effort: a token that cannot be decoded shows as unknown claims, not as an error.</summary>
    private static T? TryRead<T>(Func<T> read, string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return default;
        }

        try
        {
            return read();
        }
        catch (CodexAuthException ex) when (ex.Reason == CodexAuthFailureReason.MalformedToken)
        {
            return default;
        }
    }

    /// <summary>Describes the status without any secret.</summary>
    /// <returns>For example <c>ChatGpt account=acct_1 plan=plus</c>.</returns>
    public override string ToString() => $"{Mode} account={AccountId} plan={PlanType}";
}
