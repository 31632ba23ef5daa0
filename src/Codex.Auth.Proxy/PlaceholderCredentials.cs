using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Codex.Auth.ChatGpt;
using Codex.Auth.Storage;

namespace Codex.Auth.Proxy;

/// <summary>
/// Mints placeholder ChatGPT tokens and <c>auth.json</c> files for an agent whose real credentials stay on the host. Codex needs a
/// ChatGPT-mode <c>auth.json</c> whose tokens carry the real token's <c>exp</c> and account id (else it tries to refresh and falls
/// back to the sign-in screen); these placeholders give it exactly that and nothing usable.
/// </summary>
/// <example>
/// <code>
/// using var host = new ChatGptTokenProvider(new ChatGptTokenProviderOptions());
/// await PlaceholderCredentials.WriteAuthJsonAsync("/sandbox/.codex/auth.json", host);
/// </code>
/// </example>
public static class PlaceholderCredentials
{
    /// <summary>The refresh token in every placeholder set.</summary>
    public const string RefreshTokenValue = "codex-auth-proxy-placeholder-refresh-token";

    /// <summary>The claim that marks a token as a placeholder (<c>true</c>).</summary>
    public const string PlaceholderClaim = "codex_auth_placeholder";

    private const string AuthClaim = "https://api.openai.com/auth";

    private static readonly JsonWriterOptions s_compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Mints placeholder tokens.</summary>
    /// <param name="accountId">The host's ChatGPT account id.</param>
    /// <param name="expiresAt">The host access token's <c>exp</c>.</param>
    /// <param name="now">The current time (<c>iat</c>).</param>
    /// <param name="identity">The host's id_token claims (plan, user id, FedRAMP); email is never copied.</param>
    /// <returns>The placeholder set.</returns>
    public static PlaceholderTokens Create(string accountId, DateTimeOffset expiresAt, DateTimeOffset now, ChatGptIdentity? identity = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(accountId);
        long exp = expiresAt.ToUnixTimeSeconds();
        long iat = Math.Min(now.ToUnixTimeSeconds(), exp);
        string? userId = identity?.UserId;
        string idToken = Jwt(writer =>
        {
            writer.WriteString("iss", CodexEndpoints.Issuer.GetLeftPart(UriPartial.Authority));
            writer.WriteStartArray("aud");
            writer.WriteStringValue(CodexEndpoints.ClientId);
            writer.WriteEndArray();
            writer.WriteString("sub", userId ?? "placeholder");
            writer.WriteNumber("iat", iat);
            writer.WriteNumber("exp", exp);
            writer.WriteStartObject(AuthClaim);
            writer.WriteString("chatgpt_account_id", accountId);
            if (identity?.PlanType is { } plan)
            {
                writer.WriteString("chatgpt_plan_type", plan);
            }

            if (userId is not null)
            {
                writer.WriteString("chatgpt_user_id", userId);
                writer.WriteString("user_id", userId);
            }

            writer.WriteBoolean("chatgpt_account_is_fedramp", identity?.IsFedRamp ?? false);
            writer.WriteEndObject();
            writer.WriteBoolean(PlaceholderClaim, true);
        });
        string accessToken = Jwt(writer =>
        {
            writer.WriteString("iss", CodexEndpoints.Issuer.GetLeftPart(UriPartial.Authority));
            writer.WriteStartArray("aud");
            writer.WriteStringValue("https://api.openai.com/v1");
            writer.WriteEndArray();
            writer.WriteString("sub", userId ?? "placeholder");
            writer.WriteNumber("iat", iat);
            writer.WriteNumber("exp", exp);
            writer.WriteStartObject(AuthClaim);
            writer.WriteString("chatgpt_account_id", accountId);
            if (userId is not null)
            {
                writer.WriteString("chatgpt_user_id", userId);
            }

            writer.WriteEndObject();
            writer.WriteBoolean(PlaceholderClaim, true);
        });
        return new PlaceholderTokens(idToken, accessToken, RefreshTokenValue, accountId, DateTimeOffset.FromUnixTimeSeconds(exp));
    }

    /// <summary>Mints placeholder tokens for a host session.</summary>
    /// <param name="session">The host's ChatGPT session (account, identity, expiry).</param>
    /// <param name="now">The current time; also the fallback base for a token without <c>exp</c> (one hour later).</param>
    /// <returns>The placeholder set.</returns>
    /// <exception cref="CodexAuthException">The session has no account id.</exception>
    public static PlaceholderTokens Create(ChatGptSession session, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(session);
        string accountId = session.AccountId ?? session.Identity.AccountId
            ?? throw new CodexAuthException(CodexAuthFailureReason.MalformedToken, $"The sign-in at {session.Location} has no account id.", CodexAuthException.SignInAgain);
        return Create(accountId, session.AccessTokenExpiresAt ?? now.AddHours(1), now, session.Identity);
    }

    /// <summary>Returns a ChatGPT-mode <c>auth.json</c> holding <paramref name="tokens"/>, pretty-printed like Codex writes it.</summary>
    /// <param name="tokens">The placeholders.</param>
    /// <param name="now">The <c>last_refresh</c> to write.</param>
    /// <returns>The JSON text.</returns>
    public static string CreateAuthJson(PlaceholderTokens tokens, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteString("auth_mode", "chatgpt");
            writer.WriteNull("OPENAI_API_KEY");
            writer.WriteStartObject("tokens");
            writer.WriteString("id_token", tokens.IdToken);
            writer.WriteString("access_token", tokens.AccessToken);
            writer.WriteString("refresh_token", tokens.RefreshToken);
            writer.WriteString("account_id", tokens.AccountId);
            writer.WriteEndObject();
            writer.WriteString("last_refresh", now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture));
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()) + "\n";
    }

    /// <summary>Writes a placeholder <c>auth.json</c> through a <see cref="FileCredentialStore"/> (atomic, under its write lock, mode 0600 on Unix; replaced if present).</summary>
    /// <param name="path">Where to write it: an <c>auth.json</c>, for example the sandbox's <c>$CODEX_HOME/auth.json</c>.</param>
    /// <param name="tokens">The placeholders.</param>
    /// <param name="now">The <c>last_refresh</c> to write.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the file is written.</returns>
    /// <exception cref="ArgumentException"><paramref name="path"/> does not name a file called <c>auth.json</c>.</exception>
    public static Task WriteAuthJsonAsync(string path, PlaceholderTokens tokens, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        if (!string.Equals(Path.GetFileName(full), CodexHome.AuthFileName, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The placeholder file must be called {CodexHome.AuthFileName} (Codex reads $CODEX_HOME/{CodexHome.AuthFileName}).", nameof(path));
        }

        return WriteAuthJsonAsync(new FileCredentialStore(Path.GetDirectoryName(full)!), tokens, now, cancellationToken);
    }

    /// <summary>Writes a placeholder ChatGPT-mode document to <paramref name="store"/> (the sandbox's store).</summary>
    /// <param name="store">The store to write; atomic and locked as the store writes every document.</param>
    /// <param name="tokens">The placeholders.</param>
    /// <param name="now">The <c>last_refresh</c> to write.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the document is saved.</returns>
    public static async Task WriteAuthJsonAsync(ICodexCredentialStore store, PlaceholderTokens tokens, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(tokens);
        CodexAuthDocument document = CodexAuthDocument.CreateChatGpt(tokens.IdToken, tokens.AccessToken, tokens.RefreshToken, tokens.AccountId, now);
        await store.SaveAsync(document, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Writes a placeholder <c>auth.json</c> for the host's current sign-in, refreshing the host token first when it is close to
    /// expiry so the placeholders live as long as possible. Only the account, plan, user id, FedRAMP flag and <c>exp</c> are copied.
    /// </summary>
    /// <param name="path">Where to write it.</param>
    /// <param name="host">The host's ChatGPT provider.</param>
    /// <param name="timeProvider">The clock; <see langword="null"/> for the system clock.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The placeholders written.</returns>
    /// <exception cref="CodexAuthException">The host is not signed in, or its sign-in has expired and cannot be renewed.</exception>
    public static async Task<PlaceholderTokens> WriteAuthJsonAsync(string path, ChatGptTokenProvider host, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        TimeProvider time = timeProvider ?? TimeProvider.System;
        PlaceholderTokens tokens = await CreateAsync(host, time, cancellationToken).ConfigureAwait(false);
        await WriteAuthJsonAsync(path, tokens, time.GetUtcNow(), cancellationToken).ConfigureAwait(false);
        return tokens;
    }

    /// <summary>Mints placeholders for the host's current sign-in, refreshing the host token first when it is close to expiry.</summary>
    /// <param name="host">The host's ChatGPT provider.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="cancellationToken">Cancels the work.</param>
    /// <returns>The placeholders.</returns>
    /// <exception cref="CodexAuthException">The host is not signed in, or its sign-in has expired and cannot be renewed.</exception>
    public static async Task<PlaceholderTokens> CreateAsync(ChatGptTokenProvider host, TimeProvider timeProvider, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(host);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ExportedAccessToken exported = await host.ExportAccessTokenAsync(cancellationToken).ConfigureAwait(false);
        ChatGptSession session = await host.GetSessionAsync(cancellationToken).ConfigureAwait(false);
        DateTimeOffset now = timeProvider.GetUtcNow();
        if (exported.ExpiresAt is { } exp && exp <= now)
        {
            throw new CodexAuthException(CodexAuthFailureReason.TokenExpired, $"The host's ChatGPT access token ({session.Location}) expired at {exp:O} and could not be refreshed.", CodexAuthException.SignInAgain);
        }

        string accountId = exported.AccountId ?? session.Identity.AccountId
            ?? throw new CodexAuthException(CodexAuthFailureReason.MalformedToken, $"The sign-in at {session.Location} has no account id.", CodexAuthException.SignInAgain);
        return Create(accountId, exported.ExpiresAt ?? now.AddHours(1), now, session.Identity with { IsFedRamp = exported.IsFedRamp });
    }

    private static string Jwt(Action<Utf8JsonWriter> claims)
    {
        const string header = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0"; // {"alg":"none","typ":"JWT"}
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, s_compact))
        {
            writer.WriteStartObject();
            claims(writer);
            writer.WriteEndObject();
        }

        return string.Concat(header, ".", System.Buffers.Text.Base64Url.EncodeToString(buffer.ToArray()), ".", System.Buffers.Text.Base64Url.EncodeToString("placeholder-not-signed"u8));
    }
}
