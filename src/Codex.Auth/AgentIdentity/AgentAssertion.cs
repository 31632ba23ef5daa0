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

    // The prefix of the Authorization value.
    private const string SchemePrefix = Scheme + " ";

    // Per thread, reused by every assertion built on it (the build is synchronous): the envelope's JSON writer and buffer,
    // and the signed message (its length is fixed for one agent and task, so the array is usually reused as is).
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_envelope;

    [ThreadStatic]
    private static Utf8JsonWriter? t_writer;

    [ThreadStatic]
    private static byte[]? t_message;

    /// <summary>
    /// The headers for one second: <c>Authorization: AgentAssertion {base64url(envelope)}</c>, the envelope being the JSON of
    /// PROTOCOL §5.3 with the Ed25519 signature of <c>"{runtime}:{task}:{timestamp}"</c>. Byte-identical to
    /// <see cref="BuildCredential"/>; allocates the one header string and the <see cref="AuthHeaders"/> (the signature goes to the stack).
    /// </summary>
    public static AuthHeaders BuildHeaders(AgentSigningKey key, string runtimeId, string taskId, long unixSeconds, string? accountId, bool isFedRamp)
    {
        // RFC 3339 UTC, whole seconds: always 20 bytes.
        Span<byte> timestamp = stackalloc byte[20];
        if (!DateTimeOffset.FromUnixTimeSeconds(unixSeconds).UtcDateTime.TryFormat(timestamp, out int written, "yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) || written != 20)
        {
            throw new InvalidOperationException("The assertion timestamp must be 20 characters.");
        }

        Span<byte> signature = stackalloc byte[AgentSigningKey.SignatureLength];
        key.Sign(Message(runtimeId, taskId, timestamp), signature);
        ArrayBufferWriter<byte> envelope = t_envelope ??= new ArrayBufferWriter<byte>(256);
        envelope.ResetWrittenCount();
        Utf8JsonWriter writer = t_writer ??= new Utf8JsonWriter(envelope, s_writerOptions);
        writer.Reset(envelope);
        writer.WriteStartObject();
        writer.WriteString("agent_runtime_id"u8, runtimeId);
        writer.WriteBase64String("signature"u8, signature); // standard base64 with padding, as Convert.ToBase64String
        writer.WriteString("task_id"u8, taskId);
        writer.WriteString("timestamp"u8, timestamp);
        writer.WriteEndObject();
        writer.Flush();

        ReadOnlySpan<byte> json = envelope.WrittenSpan;
        int length = SchemePrefix.Length + Base64Url.EncodedLength(json.Length);
        char[]? rented = null;
        Span<char> chars = length + 2 <= 1024 ? stackalloc char[length + 2] : (rented = ArrayPool<char>.Shared.Rent(length + 2));
        try
        {
            SchemePrefix.CopyTo(chars);
            int encoded = Base64Url.EncodeTo(json, chars[SchemePrefix.Length..]);
            return new AuthHeaders(Scheme, new string(chars[..(SchemePrefix.Length + encoded)]), accountId, isFedRamp, trusted: true);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

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

    // "{runtime}:{task}:{timestamp}" as UTF-8, in this thread's reusable array when the length matches.
    private static byte[] Message(string runtimeId, string taskId, ReadOnlySpan<byte> timestamp)
    {
        int length = Encoding.UTF8.GetByteCount(runtimeId) + 1 + Encoding.UTF8.GetByteCount(taskId) + 1 + timestamp.Length;
        byte[] message = t_message is { } cached && cached.Length == length ? cached : (t_message = new byte[length]);
        Span<byte> rest = message;
        rest = rest[Encoding.UTF8.GetBytes(runtimeId, rest)..];
        rest[0] = (byte)':';
        rest = rest[1..];
        rest = rest[Encoding.UTF8.GetBytes(taskId, rest)..];
        rest[0] = (byte)':';
        timestamp.CopyTo(rest[1..]);
        return message;
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
