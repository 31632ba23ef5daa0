namespace Codex.Auth.Backchannel;

/// <summary>What one back-channel call is, for its retries and its error messages.</summary>
/// <param name="Purpose">What is being done, capitalized, e.g. "Refreshing the ChatGPT token".</param>
/// <param name="Url">The endpoint.</param>
/// <param name="FailureReason">The reason reported when it fails.</param>
/// <param name="Remediation">What a person should do when it fails.</param>
/// <param name="Consequence">What the failure means for the caller, e.g. "The current token is kept."; optional.</param>
internal sealed record BackchannelCall(string Purpose, Uri Url, CodexAuthFailureReason FailureReason, string Remediation, string? Consequence = null);
