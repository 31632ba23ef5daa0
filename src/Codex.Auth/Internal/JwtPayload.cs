using System.Text.Json.Nodes;

namespace Codex.Auth.Internal;

/// <summary>Decodes a JWT's payload without verifying its signature (PROTOCOL §3).</summary>
internal static class JwtPayload
{
    /// <summary>Whether <paramref name="token"/> has the JWT shape: three non-empty dot-separated parts.</summary>
    public static bool LooksLikeJwt(string token)
    {
        int first = token.IndexOf('.', StringComparison.Ordinal);
        if (first <= 0)
        {
            return false;
        }

        int second = token.IndexOf('.', first + 1);
        return second > first + 1 && second < token.Length - 1 && token.IndexOf('.', second + 1) < 0;
    }

    /// <summary>Returns the payload object, or an error description (never containing the token).</summary>
    public static JsonObject? TryDecode(string token, out string? error)
    {
        if (!LooksLikeJwt(token))
        {
            error = "it does not have three non-empty dot-separated parts";
            return null;
        }

        int first = token.IndexOf('.', StringComparison.Ordinal);
        int second = token.IndexOf('.', first + 1);
        byte[]? bytes = Base64Url.TryDecode(token[(first + 1)..second]);
        if (bytes is null)
        {
            error = "its payload is not base64url";
            return null;
        }

        JsonNode? node = JsonTree.TryParse(bytes, out string? problem);
        if (node is JsonObject payload)
        {
            error = null;
            return payload;
        }

        error = problem is null ? "its payload is not a JSON object" : "its payload " + problem[3..];
        return null;
    }

    public static string? GetString(JsonObject obj, string name) =>
        obj[name] is JsonValue v && v.TryGetValue(out string? s) ? s : null;

    public static bool? GetBool(JsonObject obj, string name) =>
        obj[name] is JsonValue v && v.TryGetValue(out bool b) ? b : null;

    public static long? GetSeconds(JsonObject obj, string name)
    {
        if (obj[name] is not JsonValue v)
        {
            return null;
        }

        if (v.TryGetValue(out long l))
        {
            return l;
        }

        return v.TryGetValue(out double d) && double.IsFinite(d) ? (long)d : null;
    }
}
