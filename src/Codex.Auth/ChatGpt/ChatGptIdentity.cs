namespace Codex.Auth.ChatGpt;

/// <summary>Who a ChatGPT sign-in belongs to, from the id_token claims (PROTOCOL §3). Holds no secret.</summary>
/// <param name="Email">The email address, if the token carries one.</param>
/// <param name="PlanType">The plan (<c>free</c>, <c>plus</c>, <c>pro</c>, <c>team</c>, <c>enterprise</c>, …), kept as-is, including values this library does not know.</param>
/// <param name="UserId">The ChatGPT user id (<c>chatgpt_user_id</c>, fallback <c>user_id</c>).</param>
/// <param name="AccountId">The account id claimed by the id_token (<c>chatgpt_account_id</c>); requests use auth.json's <c>tokens.account_id</c>.</param>
/// <param name="IsFedRamp">Whether the account is a FedRAMP account (<c>chatgpt_account_is_fedramp</c>, default <see langword="false"/>).</param>
public sealed record ChatGptIdentity(string? Email, string? PlanType, string? UserId, string? AccountId, bool IsFedRamp);
