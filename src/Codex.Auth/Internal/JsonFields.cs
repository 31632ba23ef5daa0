using System.Text.Json.Nodes;

namespace Codex.Auth.Internal;

/// <summary>Reading the small JSON bodies of the auth endpoints: lenient parsing, typed fields, OAuth error codes.</summary>
internal static class JsonFields
{
    /// <summary>The body as a JSON object, or <see langword="null"/> when it is not one (never throws).</summary>
    public static JsonObject? TryParseObject(string text) =>
        JsonTree.TryParse(text, default, out _) as JsonObject;

    /// <inheritdoc cref="TryParseObject(string)"/>
    public static JsonObject? TryParseObject(byte[] utf8) =>
        JsonTree.TryParse(utf8, out _) as JsonObject;

    /// <summary>A string field, or <see langword="null"/> when absent or not a string.</summary>
    public static string? String(JsonObject obj, string name) =>
        obj[name] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    /// <summary>A string field that is not blank, or <see langword="null"/>.</summary>
    public static string? NonBlank(JsonObject obj, string name) =>
        String(obj, name) is { } s && !string.IsNullOrWhiteSpace(s) ? s : null;

    /// <summary>
    /// The OAuth error code: <c>error.code</c> (error an object), else <c>error</c> (a string), else top-level
    /// <c>code</c> (PROTOCOL §4). Only a short identifier is returned, so a misbehaving server cannot smuggle a
    /// secret into a message that quotes it.
    /// </summary>
    public static string? OAuthErrorCode(JsonObject? json)
    {
        if (json is null)
        {
            return null;
        }

        string? code = json["error"] switch
        {
            JsonObject error => String(error, "code"),
            JsonValue value when value.TryGetValue(out string? s) => s,
            _ => String(json, "code"),
        };

        return code is { Length: > 0 and <= 64 } && code.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.') ? code : null;
    }
}
