using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Codex.Auth.Testing.Internal;

namespace Codex.Auth.Testing;

/// <summary>
/// One token set minted by a <see cref="FakeCodexServer"/> for a ChatGPT account: what a sign-in or a refresh
/// hands to a client. Immutable; a rotation produces a new instance.
/// </summary>
/// <example>
/// <code>
/// FakeSignIn signIn = server.SignIn(accountId: "acct_1", plan: "pro");
/// File.WriteAllText(Path.Combine(codexHome, "auth.json"), signIn.ToAuthJson());
/// </code>
/// </example>
public sealed class FakeSignIn
{
    private readonly TimeProvider _timeProvider;

    internal FakeSignIn(
        string idToken,
        string accessToken,
        string refreshToken,
        FakeAccount account,
        DateTimeOffset issuedAt,
        DateTimeOffset accessTokenExpiresAt,
        TimeProvider timeProvider)
    {
        IdToken = idToken;
        AccessToken = accessToken;
        RefreshToken = refreshToken;
        AccountId = account.AccountId;
        Email = account.Email;
        Plan = account.Plan;
        IsFedRamp = account.IsFedRamp;
        UserId = account.UserId;
        IssuedAt = issuedAt;
        AccessTokenExpiresAt = accessTokenExpiresAt;
        _timeProvider = timeProvider;
    }

    /// <summary>Gets the id_token (a JWT carrying the email and the <c>https://api.openai.com/auth</c> claims).</summary>
    public string IdToken { get; }

    /// <summary>Gets the access token (a JWT with <c>exp</c>, <c>iat</c>, <c>jti</c> and the account id).</summary>
    public string AccessToken { get; }

    /// <summary>Gets the single-use refresh token (opaque, <c>rt_…</c>).</summary>
    public string RefreshToken { get; }

    /// <summary>Gets the ChatGPT account (workspace) id.</summary>
    public string AccountId { get; }

    /// <summary>Gets the account's email.</summary>
    public string Email { get; }

    /// <summary>Gets the plan type claim, for example <c>plus</c>.</summary>
    public string Plan { get; }

    /// <summary>Gets a value indicating whether the account is a FedRAMP account.</summary>
    public bool IsFedRamp { get; }

    /// <summary>Gets the ChatGPT user id (<c>chatgpt_user_id</c>).</summary>
    public string UserId { get; }

    /// <summary>Gets when the token set was minted (by the server's clock, whole seconds).</summary>
    public DateTimeOffset IssuedAt { get; }

    /// <summary>Gets the access token's <c>exp</c>.</summary>
    public DateTimeOffset AccessTokenExpiresAt { get; }

    /// <summary>
    /// Returns the auth.json document the Codex CLI writes for a ChatGPT sign-in, pretty-printed:
    /// <c>{"auth_mode":"chatgpt","OPENAI_API_KEY":null,"tokens":{id_token,access_token,refresh_token,account_id},"last_refresh":…}</c>.
    /// </summary>
    /// <param name="lastRefresh">The <c>last_refresh</c> to write; defaults to the server clock's now.</param>
    /// <returns>The JSON text.</returns>
    public string ToAuthJson(DateTimeOffset? lastRefresh = null)
    {
        DateTimeOffset when = (lastRefresh ?? _timeProvider.GetUtcNow()).ToUniversalTime();
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("auth_mode", "chatgpt");
            writer.WriteNull("OPENAI_API_KEY");
            writer.WriteStartObject("tokens");
            writer.WriteString("id_token", IdToken);
            writer.WriteString("access_token", AccessToken);
            writer.WriteString("refresh_token", RefreshToken);
            writer.WriteString("account_id", AccountId);
            writer.WriteEndObject();
            writer.WriteString("last_refresh", when.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Describes the token set without printing any token.</summary>
    /// <returns>A short description.</returns>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"FakeSignIn {{ AccountId = {AccountId}, Plan = {Plan}, ExpiresAt = {AccessTokenExpiresAt:O} }}");
}
