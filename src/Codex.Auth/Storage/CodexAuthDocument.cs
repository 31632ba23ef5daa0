using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Codex.Auth.Internal;

namespace Codex.Auth.Storage;

/// <summary>
/// The contents of <c>auth.json</c> (PROTOCOL §1.1), kept as the original JSON so that fields this
/// library does not know are written back unchanged. Immutable: the <c>With…</c> methods return a copy.
/// </summary>
/// <remarks>No public member returns a secret; <see cref="ToString"/> shows the mode and account only.</remarks>
[DebuggerDisplay("{ToString(),nq}")]
public sealed class CodexAuthDocument
{
    /// <summary>The largest credentials file read, in bytes (1 MiB); a larger one fails with <see cref="CodexAuthFailureReason.MalformedStore"/>.</summary>
    public const int MaxFileBytes = JsonTree.MaxCredentialBytes;

    private static readonly JsonSerializerOptions s_indented = new() { WriteIndented = true };

    private readonly JsonObject _root;

    private CodexAuthDocument(JsonObject root, CodexTokens? tokens)
    {
        _root = root;
        Tokens = tokens;
        AuthModeValue = ReadString(root, "auth_mode", "auth_mode");
        ApiKey = ReadString(root, "OPENAI_API_KEY", "OPENAI_API_KEY");
        PersonalAccessToken = ReadString(root, "personal_access_token", "personal_access_token");
        LastRefresh = ReadTimestamp(root, "last_refresh");
        Mode = ResolveMode();
    }

    /// <summary>Gets the raw <c>auth_mode</c> value, or <see langword="null"/> when absent.</summary>
    public string? AuthModeValue { get; }

    /// <summary>Gets the effective mode: <c>auth_mode</c> when present, otherwise inferred (PROTOCOL §1.1).</summary>
    public CodexAuthMode Mode { get; }

    /// <summary>Gets a value indicating whether the document holds ChatGPT tokens.</summary>
    public bool HasTokens => Tokens is not null;

    /// <summary>Gets a value indicating whether the document holds a non-null <c>OPENAI_API_KEY</c>.</summary>
    public bool HasApiKey => ApiKey is not null;

    /// <summary>Gets <c>tokens.account_id</c>, or <see langword="null"/>.</summary>
    public string? AccountId => Tokens?.AccountId;

    /// <summary>Gets <c>last_refresh</c>, or <see langword="null"/> when absent.</summary>
    public DateTimeOffset? LastRefresh { get; }

    /// <summary>Gets a value indicating whether an <c>agent_identity</c> field is present.</summary>
    public bool HasAgentIdentity => _root["agent_identity"] is not null;

    internal string? ApiKey { get; }

    internal string? PersonalAccessToken { get; }

    internal CodexTokens? Tokens { get; }

    internal JsonNode? AgentIdentity => _root["agent_identity"];

    /// <summary>Parses a document.</summary>
    /// <param name="json">The file contents.</param>
    /// <param name="source">Where it came from (a path), for error messages.</param>
    /// <returns>The document.</returns>
    /// <exception cref="CodexAuthException">With <see cref="CodexAuthFailureReason.MalformedStore"/> when it cannot be parsed.</exception>
    public static CodexAuthDocument Parse(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json.Length > MaxFileBytes)
        {
            throw TooLarge(source, json.Length);
        }

        // Duplicate keys, lone surrogate escapes and invalid UTF-8 are refused here, as the Codex CLI (serde) refuses them.
        JsonNode? node = JsonTree.TryParse(json, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow }, out string? problem);
        if (problem is not null)
        {
            throw Malformed(source, problem);
        }

        if (node is not JsonObject root)
        {
            throw Malformed(source, "its top level is not a JSON object");
        }

        CodexTokens? tokens = null;
        JsonNode? tokensNode = root["tokens"];
        if (tokensNode is not null)
        {
            if (tokensNode is not JsonObject t)
            {
                throw Malformed(source, "\"tokens\" is not an object");
            }

            string? idToken = ReadString(t, "id_token", "tokens.id_token", source);
            string? accessToken = ReadString(t, "access_token", "tokens.access_token", source);
            string? refreshToken = ReadString(t, "refresh_token", "tokens.refresh_token", source);
            string? accountId = ReadString(t, "account_id", "tokens.account_id", source);
            if (accessToken is null || refreshToken is null)
            {
                throw Malformed(source, "\"tokens\" lacks \"access_token\" or \"refresh_token\"");
            }

            tokens = new CodexTokens(idToken ?? string.Empty, accessToken, refreshToken, accountId);
        }

        try
        {
            return new CodexAuthDocument(root, tokens);
        }
        catch (FormatException ex)
        {
            throw Malformed(source, ex.Message);
        }
    }

    /// <summary>Creates a ChatGPT-mode document as the Codex CLI writes it after a sign-in.</summary>
    /// <param name="idToken">The id token.</param>
    /// <param name="accessToken">The access token.</param>
    /// <param name="refreshToken">The refresh token.</param>
    /// <param name="accountId">The account id (from the id token's <c>chatgpt_account_id</c>).</param>
    /// <param name="lastRefresh">When the tokens were obtained.</param>
    /// <returns>The document.</returns>
    public static CodexAuthDocument CreateChatGpt(string idToken, string accessToken, string refreshToken, string? accountId, DateTimeOffset lastRefresh)
    {
        var root = new JsonObject
        {
            ["auth_mode"] = "chatgpt",
            ["OPENAI_API_KEY"] = null,
            ["tokens"] = new JsonObject
            {
                ["id_token"] = idToken,
                ["access_token"] = accessToken,
                ["refresh_token"] = refreshToken,
                ["account_id"] = accountId,
            },
            ["last_refresh"] = FormatTimestamp(lastRefresh),
        };
        return new CodexAuthDocument(root, new CodexTokens(idToken, accessToken, refreshToken, accountId));
    }

    /// <summary>Creates an API-key-mode document as <c>codex login --with-api-key</c> writes it.</summary>
    /// <param name="apiKey">The API key.</param>
    /// <returns>The document.</returns>
    public static CodexAuthDocument CreateApiKey(string apiKey)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(apiKey);
        var root = new JsonObject { ["auth_mode"] = "apikey", ["OPENAI_API_KEY"] = apiKey.Trim() };
        return new CodexAuthDocument(root, null);
    }

    /// <summary>Creates a personal-access-token document as <c>codex login --with-access-token</c> writes it.</summary>
    /// <param name="personalAccessToken">The token (<c>at-…</c>).</param>
    /// <returns>The document: <c>{"auth_mode":"personalAccessToken","OPENAI_API_KEY":null,"personal_access_token":"at-…"}</c>.</returns>
    public static CodexAuthDocument CreatePersonalAccessToken(string personalAccessToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(personalAccessToken);
        var root = new JsonObject
        {
            ["auth_mode"] = "personalAccessToken",
            ["OPENAI_API_KEY"] = null,
            ["personal_access_token"] = personalAccessToken.Trim(),
        };
        return new CodexAuthDocument(root, null);
    }

    /// <summary>Formats a timestamp as the Codex CLI does (RFC 3339, UTC, microseconds).</summary>
    /// <param name="value">The time.</param>
    /// <returns>For example <c>2026-08-22T05:31:01.123456Z</c>.</returns>
    public static string FormatTimestamp(DateTimeOffset value) =>
        value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>Returns a copy whose tokens are replaced where <paramref name="idToken"/>, <paramref name="accessToken"/>
    /// or <paramref name="refreshToken"/> is non-null, with <c>last_refresh</c> set; <c>account_id</c> is never changed.</summary>
    /// <param name="idToken">The new id token, or <see langword="null"/> to keep the current one.</param>
    /// <param name="accessToken">The new access token, or <see langword="null"/> to keep the current one.</param>
    /// <param name="refreshToken">The new refresh token, or <see langword="null"/> to keep the current one.</param>
    /// <param name="lastRefresh">The new <c>last_refresh</c>.</param>
    /// <returns>The updated document; every other field is kept unchanged.</returns>
    public CodexAuthDocument WithRefreshedTokens(string? idToken, string? accessToken, string? refreshToken, DateTimeOffset lastRefresh)
    {
        if (Tokens is null)
        {
            throw new InvalidOperationException("The document holds no tokens to refresh.");
        }

        var root = (JsonObject)_root.DeepClone();
        var tokensObject = (JsonObject)root["tokens"]!;
        var tokens = Tokens with
        {
            IdToken = idToken ?? Tokens.IdToken,
            AccessToken = accessToken ?? Tokens.AccessToken,
            RefreshToken = refreshToken ?? Tokens.RefreshToken,
        };
        if (idToken is not null)
        {
            tokensObject["id_token"] = idToken;
        }

        if (accessToken is not null)
        {
            tokensObject["access_token"] = accessToken;
        }

        if (refreshToken is not null)
        {
            tokensObject["refresh_token"] = refreshToken;
        }

        root["last_refresh"] = FormatTimestamp(lastRefresh);
        return new CodexAuthDocument(root, tokens);
    }

    /// <summary>Serializes the document pretty-printed, as the Codex CLI writes it.</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => _root.ToJsonString(s_indented);

    /// <summary>Serializes the document on one line, as the Codex CLI writes it into a keyring entry.</summary>
    internal string ToCompactJson() => _root.ToJsonString();

    /// <summary>Gets a value indicating whether this document carries the same credentials as <paramref name="other"/>.</summary>
    /// <param name="other">The other document.</param>
    /// <returns><see langword="true"/> when the mode, API key, tokens and personal access token are equal.</returns>
    public bool HasSameCredentials(CodexAuthDocument? other) =>
        other is not null
        && Mode == other.Mode
        && string.Equals(ApiKey, other.ApiKey, StringComparison.Ordinal)
        && string.Equals(PersonalAccessToken, other.PersonalAccessToken, StringComparison.Ordinal)
        && Equals(Tokens, other.Tokens)
        && JsonNode.DeepEquals(AgentIdentity, other.AgentIdentity);

    /// <summary>Shows the mode and account, never a secret.</summary>
    /// <returns>For example <c>chatgpt account=acct_123</c>.</returns>
    public override string ToString() =>
        AccountId is null ? $"{Mode}" : $"{Mode} account={AccountId}";

    internal static CodexAuthException TooLarge(string source, long length) =>
        Malformed(source, $"it is {length} bytes long, more than the {MaxFileBytes} a credentials file may have (a Codex auth.json is a few kilobytes)");

    private static CodexAuthException Malformed(string source, string what) =>
        new(
            CodexAuthFailureReason.MalformedStore,
            $"The credentials file '{source}' cannot be used: {what}. It has not been modified.",
            "Fix or remove the file, then run `codex login` to sign in again.");

    private static string? ReadString(JsonObject obj, string name, string path, string? source = null)
    {
        JsonNode? node = obj[name];
        if (node is null)
        {
            return null;
        }

        if (node is JsonValue value && value.TryGetValue(out string? s))
        {
            return s;
        }

        if (source is null)
        {
            throw new FormatException($"\"{path}\" is not a string");
        }

        throw Malformed(source, $"\"{path}\" is not a string");
    }

    private static DateTimeOffset? ReadTimestamp(JsonObject root, string name)
    {
        string? text = ReadString(root, name, name);
        if (text is null)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out DateTimeOffset parsed))
        {
            return parsed;
        }

        throw new FormatException($"\"{name}\" is not an RFC 3339 timestamp");
    }

    private CodexAuthMode ResolveMode()
    {
        if (AuthModeValue is not null)
        {
            return AuthModeValue switch
            {
                "apikey" => CodexAuthMode.ApiKey,
                "chatgpt" => CodexAuthMode.ChatGpt,
                "chatgptAuthTokens" => CodexAuthMode.ChatGptAuthTokens,
                "headers" => CodexAuthMode.Headers,
                "agentIdentity" => CodexAuthMode.AgentIdentity,
                "personalAccessToken" => CodexAuthMode.PersonalAccessToken,
                "bedrockApiKey" => CodexAuthMode.BedrockApiKey,
                _ => CodexAuthMode.Unknown,
            };
        }

        if (_root["personal_access_token"] is not null)
        {
            return CodexAuthMode.PersonalAccessToken;
        }

        if (_root["bedrock_api_key"] is not null)
        {
            return CodexAuthMode.BedrockApiKey;
        }

        return ApiKey is not null ? CodexAuthMode.ApiKey : CodexAuthMode.ChatGpt;
    }
}
