using System.Net;

namespace Codex.Auth.ChatGpt;

/// <summary>Classifies refresh failures (PROTOCOL §4).</summary>
internal static class RefreshFailure
{
    /// <summary>Returns a permanent failure reason, or <see langword="null"/> when the failure is transient.</summary>
    public static CodexAuthFailureReason? ClassifyPermanent(HttpStatusCode status, string? code)
    {
        if (code is not null)
        {
            if (code.Equals("refresh_token_expired", StringComparison.OrdinalIgnoreCase))
            {
                return CodexAuthFailureReason.RefreshTokenExpired;
            }

            if (code.Equals("refresh_token_reused", StringComparison.OrdinalIgnoreCase))
            {
                return CodexAuthFailureReason.RefreshTokenReused;
            }

            if (code.Equals("refresh_token_invalidated", StringComparison.OrdinalIgnoreCase))
            {
                return CodexAuthFailureReason.RefreshTokenRevoked;
            }
        }

        if (status == HttpStatusCode.Unauthorized)
        {
            return CodexAuthFailureReason.RefreshTokenRevoked;
        }

        if (status == HttpStatusCode.BadRequest && code is not null && code.Equals("invalid_grant", StringComparison.OrdinalIgnoreCase))
        {
            return CodexAuthFailureReason.RefreshTokenRevoked;
        }

        return null;
    }

    public static string Describe(CodexAuthFailureReason reason) => reason switch
    {
        CodexAuthFailureReason.RefreshTokenExpired => "Your ChatGPT sign-in has expired (refresh_token_expired).",
        CodexAuthFailureReason.RefreshTokenReused => "Your ChatGPT refresh token was already used by another client (refresh_token_reused), so this sign-in can no longer be renewed.",
        CodexAuthFailureReason.RefreshTokenRevoked => "Your ChatGPT sign-in was revoked or is no longer valid.",
        _ => "Your ChatGPT sign-in can no longer be renewed.",
    };
}
