using System.Text.Json;
using System.Text.Json.Nodes;

namespace Codex.Auth.Internal;

/// <summary>
/// Parses untrusted JSON (auth.json, a JWT payload, a token endpoint's answer) into a tree that is safe to read: every
/// object's members and every string are decoded up front, so a duplicate key, a lone surrogate escape (<c>\ud800</c>) or
/// invalid UTF-8 is reported here as a problem instead of surfacing later as an <see cref="ArgumentException"/> or
/// <see cref="InvalidOperationException"/> from a lazily materialized <see cref="JsonNode"/>.
/// </summary>
internal static class JsonTree
{
    /// <summary>The largest credential input read (auth.json, a token answer): 1 MiB. A real one is a few kilobytes.</summary>
    public const int MaxCredentialBytes = 1024 * 1024;

    /// <summary>Parses <paramref name="text"/>; <see langword="null"/> with a description (never quoting the input) when it is not usable JSON.</summary>
    public static JsonNode? TryParse(string text, JsonDocumentOptions options, out string? problem)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text, documentOptions: options);
        }
        catch (JsonException ex)
        {
            // The JsonException message can quote the input; report only the position.
            problem = $"it is not valid JSON (line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1})";
            return null;
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            problem = "it is not valid UTF-16 text";
            return null;
        }

        return Check(node, out problem) ? node : null;
    }

    /// <summary>Parses UTF-8 <paramref name="utf8"/>; <see langword="null"/> with a description when it is not usable JSON.</summary>
    public static JsonNode? TryParse(ReadOnlySpan<byte> utf8, out string? problem)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(utf8);
        }
        catch (JsonException ex)
        {
            problem = $"it is not valid JSON (line {(ex.LineNumber ?? 0) + 1}, byte {(ex.BytePositionInLine ?? 0) + 1})";
            return null;
        }
        catch (InvalidOperationException)
        {
            problem = "it is not valid UTF-8 text";
            return null;
        }

        return Check(node, out problem) ? node : null;
    }

    private static bool Check(JsonNode? root, out string? problem)
    {
        // Iterative, so that depth is bounded by the parser's MaxDepth and not by this walk's stack.
        var pending = new Stack<JsonNode>();
        if (root is not null)
        {
            pending.Push(root);
        }

        try
        {
            while (pending.TryPop(out JsonNode? node))
            {
                switch (node)
                {
                    case JsonObject obj:
                        // Enumerating builds the member dictionary, which refuses a duplicate key.
                        foreach (KeyValuePair<string, JsonNode?> member in obj)
                        {
                            if (member.Value is not null)
                            {
                                pending.Push(member.Value);
                            }
                        }

                        break;
                    case JsonArray array:
                        foreach (JsonNode? item in array)
                        {
                            if (item is not null)
                            {
                                pending.Push(item);
                            }
                        }

                        break;
                    case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                        // Decoding refuses invalid UTF-8 and lone surrogate escapes.
                        _ = value.GetValue<string>();
                        break;
                }
            }
        }
        catch (ArgumentException)
        {
            problem = "it has a duplicate key";
            return false;
        }
        catch (InvalidOperationException)
        {
            problem = "it has a string that is not valid UTF-8 or UTF-16 (for example a lone \\ud800 escape)";
            return false;
        }

        problem = null;
        return true;
    }
}
