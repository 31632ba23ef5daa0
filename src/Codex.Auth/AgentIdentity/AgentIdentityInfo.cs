namespace Codex.Auth.AgentIdentity;

/// <summary>
/// What an agent identity is, for status displays. Holds no secret: no private key, JWT or assertion.
/// </summary>
/// <param name="AgentRuntimeId">The agent runtime id.</param>
/// <param name="AccountId">The ChatGPT account id sent as <c>ChatGPT-Account-ID</c>.</param>
/// <param name="ChatGptUserId">The ChatGPT user id, when known.</param>
/// <param name="Email">The e-mail address, or <see langword="null"/> when none.</param>
/// <param name="PlanType">The ChatGPT plan, for example <c>plus</c>, when known.</param>
/// <param name="IsFedRamp">Whether the account is a FedRAMP account (requests carry <c>X-OpenAI-Fedramp: true</c>).</param>
/// <param name="TaskId">The registered (or stored) task id.</param>
/// <param name="ExpiresAt">The JWT's expiry, or <see langword="null"/> for an auth.json record (which has no JWT).</param>
/// <param name="Source">Where the identity came from: <c>options</c>, an environment variable name, or the store's location.</param>
public sealed record AgentIdentityInfo(
    string AgentRuntimeId,
    string AccountId,
    string? ChatGptUserId,
    string? Email,
    string? PlanType,
    bool IsFedRamp,
    string TaskId,
    DateTimeOffset? ExpiresAt,
    string Source);
