namespace Codex.Auth.ApiKeys;

/// <summary>Who a personal access token belongs to (from <c>whoami</c>), for status displays. Holds no secret.</summary>
/// <param name="AccountId">The ChatGPT account id sent as <c>ChatGPT-Account-ID</c>.</param>
/// <param name="ChatGptUserId">The ChatGPT user id, when known.</param>
/// <param name="Email">The e-mail address, or <see langword="null"/> when none.</param>
/// <param name="PlanType">The ChatGPT plan, for example <c>pro</c>, when known.</param>
/// <param name="IsFedRamp">Whether the account is a FedRAMP account (requests carry <c>X-OpenAI-Fedramp: true</c>).</param>
/// <param name="TokenFingerprint">A short, non-reversible fingerprint of the token (8 hex characters of its SHA-256).</param>
/// <param name="Source">Where the token came from: <c>options</c>, <c>CODEX_ACCESS_TOKEN</c>, or the store's location.</param>
public sealed record PersonalAccessTokenInfo(
    string AccountId,
    string? ChatGptUserId,
    string? Email,
    string? PlanType,
    bool IsFedRamp,
    string TokenFingerprint,
    string Source);
