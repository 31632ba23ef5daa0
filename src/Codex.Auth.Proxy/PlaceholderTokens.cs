using System.Text.Json;

namespace Codex.Auth.Proxy;

/// <summary>
/// A set of placeholder ChatGPT tokens for an agent behind the proxy: JWT-shaped, unsigned, carrying the host token's
/// <c>exp</c> and account but no credential. They are not secrets; the proxy never forwards them.
/// </summary>
public sealed class PlaceholderTokens
{
    internal PlaceholderTokens(string idToken, string accessToken, string refreshToken, string accountId, DateTimeOffset expiresAt)
    {
        IdToken = idToken;
        AccessToken = accessToken;
        RefreshToken = refreshToken;
        AccountId = accountId;
        ExpiresAt = expiresAt;
    }

    /// <summary>Gets the placeholder id_token (claims under <c>https://api.openai.com/auth</c>: account, plan, user, FedRAMP).</summary>
    public string IdToken { get; }

    /// <summary>Gets the placeholder access_token (its <c>exp</c> is the host token's).</summary>
    public string AccessToken { get; }

    /// <summary>Gets the placeholder refresh_token (<see cref="PlaceholderCredentials.RefreshTokenValue"/>).</summary>
    public string RefreshToken { get; }

    /// <summary>Gets the account id, the host's.</summary>
    public string AccountId { get; }

    /// <summary>Gets the tokens' <c>exp</c>, the host access token's.</summary>
    public DateTimeOffset ExpiresAt { get; }

    /// <summary>Returns the OAuth token-endpoint response for these tokens: <c>{id_token, access_token, refresh_token, token_type, expires_in}</c>.</summary>
    /// <param name="now">The current time, for <c>expires_in</c>.</param>
    /// <returns>Compact JSON.</returns>
    public string ToTokenResponseJson(DateTimeOffset now)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id_token", IdToken);
            writer.WriteString("access_token", AccessToken);
            writer.WriteString("refresh_token", RefreshToken);
            writer.WriteString("token_type", "Bearer");
            writer.WriteNumber("expires_in", Math.Max(0L, (long)(ExpiresAt - now).TotalSeconds));
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <inheritdoc />
    public override string ToString() => $"PlaceholderTokens account={AccountId} expires={ExpiresAt:O}";
}
