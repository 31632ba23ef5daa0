namespace Codex.Auth.AgentIdentity;

/// <summary>
/// What an agent identity claims, read offline by <see cref="AgentIdentityClaims.ReadUnverified"/>; not verified against the
/// JWKS. Holds no secret: no private key, JWT or assertion.
/// </summary>
/// <param name="AgentRuntimeId">The agent runtime id.</param>
/// <param name="AccountId">The ChatGPT account id (sent as <c>ChatGPT-Account-ID</c>).</param>
/// <param name="ChatGptUserId">The ChatGPT user id, when present.</param>
/// <param name="Email">The e-mail address, or <see langword="null"/> when none.</param>
/// <param name="PlanType">The ChatGPT plan, when present.</param>
/// <param name="IsFedRamp">The <c>chatgpt_account_is_fedramp</c> claim.</param>
/// <param name="ExpiresAt">The JWT's <c>exp</c>, or <see langword="null"/> (a record has none).</param>
/// <param name="Source">Where the identity came from.</param>
public sealed record UnverifiedAgentIdentity(
    string AgentRuntimeId,
    string AccountId,
    string? ChatGptUserId,
    string? Email,
    string? PlanType,
    bool IsFedRamp,
    DateTimeOffset? ExpiresAt,
    string Source);
