using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Codex.Auth.Internal;

namespace Codex.Auth.AgentIdentity;

/// <summary>Builds the byte-exact JSON bodies and the <c>AgentAssertion</c> credential (PROTOCOL §5.3, §5.4).</summary>
internal static class AgentAssertion
{
    /// <summary>The authorization scheme.</summary>
    public const string Scheme = "AgentAssertion";

    // Escapes only what JSON requires (quotes, backslash, controls): '+' and '/' stay raw.
    private static readonly JsonWriterOptions s_writerOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
        SkipValidation = false,
    };

    /// <summary>Formats a time as RFC 3339 UTC with whole seconds, for example <c>2026-04-23T00:00:00Z</c>.</summary>
    public static string FormatTimestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    /// <summary>Formats the start of a Unix second.</summary>
    public static string FormatTimestamp(long unixSeconds) => FormatTimestamp(DateTimeOffset.FromUnixTimeSeconds(unixSeconds));

    /// <summary>The credential after <c>AgentAssertion </c>: base64url (no padding) of the envelope JSON.</summary>
    public static string BuildCredential(AgentSigningKey key, string runtimeId, string taskId, string timestamp)
    {
        byte[] signature = key.Sign(Encoding.UTF8.GetBytes(string.Concat(runtimeId, ":", taskId, ":", timestamp)));
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("agent_runtime_id", runtimeId);
            writer.WriteString("signature", Convert.ToBase64String(signature));
            writer.WriteString("task_id", taskId);
            writer.WriteString("timestamp", timestamp);
            writer.WriteEndObject();
        }

        return Base64Url.Encode(buffer.WrittenSpan);
    }

    /// <summary>The task-registration body: <c>{"timestamp":"…","signature":"…"}</c>, signing <c>"{runtime}:{timestamp}"</c>.</summary>
    public static byte[] BuildRegistrationBody(AgentSigningKey key, string runtimeId, string timestamp)
    {
        byte[] signature = key.Sign(Encoding.UTF8.GetBytes(string.Concat(runtimeId, ":", timestamp)));
        var buffer = new ArrayBufferWriter<byte>(160);
        using (var writer = new Utf8JsonWriter(buffer, s_writerOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("timestamp", timestamp);
            writer.WriteString("signature", Convert.ToBase64String(signature));
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
