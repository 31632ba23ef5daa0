using System.Text.Json.Nodes;
using Codex.Auth.Internal;

namespace Codex.Auth.ChatGpt;

/// <summary>Reads the claims Codex uses from ChatGPT tokens, without verifying signatures (PROTOCOL §3).</summary>
public static class ChatGptTokenClaims
{
    private const string AuthClaim = "https://api.openai.com/auth";
    private const string ProfileClaim = "https://api.openai.com/profile";

    /// <summary>Reads the identity claims of an id_token.</summary>
    /// <param name="idToken">The id_token.</param>
    /// <returns>The identity.</returns>
    /// <exception cref="CodexAuthException"><see cref="CodexAuthFailureReason.MalformedToken"/> when it is not a well-formed JWT.</exception>
    public static ChatGptIdentity ReadIdentity(string idToken)
    {
        ArgumentNullException.ThrowIfNull(idToken);
        JsonObject payload = JwtPayload.TryDecode(idToken, out string? error)
            ?? throw Malformed("id_token", error!);
        string? email = JwtPayload.GetString(payload, "email");
        if (email is null && payload[ProfileClaim] is JsonObject profile)
        {
            email = JwtPayload.GetString(profile, "email");
        }

        JsonObject? auth = payload[AuthClaim] as JsonObject;
        string? plan = auth is null ? null : JwtPayload.GetString(auth, "chatgpt_plan_type");
        string? user = auth is null ? null : JwtPayload.GetString(auth, "chatgpt_user_id") ?? JwtPayload.GetString(auth, "user_id");
        string? account = auth is null ? null : JwtPayload.GetString(auth, "chatgpt_account_id");
        bool fedramp = auth is not null && (JwtPayload.GetBool(auth, "chatgpt_account_is_fedramp") ?? false);
        return new ChatGptIdentity(email, plan, user, account, fedramp);
    }

    /// <summary>Reads the <c>exp</c> claim of an access token, when it is a JWT that has one.</summary>
    /// <param name="accessToken">The access token (a JWT or an opaque string).</param>
    /// <returns>The expiry, or <see langword="null"/> for opaque tokens and JWTs without <c>exp</c>.</returns>
    /// <exception cref="CodexAuthException"><see cref="CodexAuthFailureReason.MalformedToken"/> when it looks like a JWT but its payload cannot be read.</exception>
    public static DateTimeOffset? ReadExpiry(string accessToken) => ReadTimes(accessToken).Expires;

    internal static (DateTimeOffset? Expires, DateTimeOffset? IssuedAt) ReadTimes(string accessToken)
    {
        ArgumentNullException.ThrowIfNull(accessToken);
        if (!JwtPayload.LooksLikeJwt(accessToken))
        {
            return (null, null);
        }

        JsonObject payload = JwtPayload.TryDecode(accessToken, out string? error)
            ?? throw Malformed("access_token", error!);
        long? exp = JwtPayload.GetSeconds(payload, "exp");
        long? iat = JwtPayload.GetSeconds(payload, "iat");
        return (
            exp is { } e ? DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(e, 0, 253402300799)) : null,
            iat is { } i ? DateTimeOffset.FromUnixTimeSeconds(Math.Clamp(i, 0, 253402300799)) : null);
    }

    private static CodexAuthException Malformed(string which, string error) =>
        new(
            CodexAuthFailureReason.MalformedToken,
            $"The stored {which} is not a well-formed JWT: {error}.",
            CodexAuthException.SignInAgain);
}
