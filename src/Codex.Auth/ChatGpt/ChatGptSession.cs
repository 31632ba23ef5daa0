namespace Codex.Auth.ChatGpt;

/// <summary>The state of a ChatGPT sign-in, for status displays. Holds no secret.</summary>
/// <param name="AccountId">auth.json's <c>tokens.account_id</c>, sent as <c>ChatGPT-Account-ID</c>.</param>
/// <param name="Identity">The id_token claims.</param>
/// <param name="AccessTokenExpiresAt">The access token's <c>exp</c>, when it has one.</param>
/// <param name="LastRefresh">auth.json's <c>last_refresh</c>.</param>
/// <param name="RefreshDueAt">When the provider will start refreshing.</param>
/// <param name="Fingerprint">A short fingerprint of the access token.</param>
/// <param name="Location">Where the credentials are stored.</param>
public sealed record ChatGptSession(
    string? AccountId,
    ChatGptIdentity Identity,
    DateTimeOffset? AccessTokenExpiresAt,
    DateTimeOffset? LastRefresh,
    DateTimeOffset RefreshDueAt,
    string Fingerprint,
    string Location);
