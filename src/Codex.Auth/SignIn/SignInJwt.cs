using System.Text.Json;
using System.Text.Json.Nodes;

namespace Codex.Auth.SignIn;

/// <summary>
/// The few JWT claims sign-in and status need, decoded without verifying the signature (PROTOCOL §3).
/// Deliberately minimal and internal so it can be swapped for the shared claims reader in <c>ChatGpt/</c>.
/// </summary>
internal sealed class SignInJwt
{
    private const string AuthClaim = "https://api.openai.com/auth";
    private const string ProfileClaim = "https://api.openai.com/profile";

    private SignInJwt(JsonObject payload) => Payload = payload;

    public JsonObject Payload { get; }

    public string? Email =>
        ReadString(Payload, "email") ?? (Payload[ProfileClaim] is JsonObject profile ? ReadString(profile, "email") : null);

    public string? AccountId => Auth is { } auth ? ReadString(auth, "chatgpt_account_id") : null;

    public string? PlanType => Auth is { } auth ? ReadString(auth, "chatgpt_plan_type") : null;

    public string? UserId => Auth is { } auth ? ReadString(auth, "chatgpt_user_id") ?? ReadString(auth, "user_id") : null;

    public bool IsFedRamp => Auth?["chatgpt_account_is_fedramp"] is JsonValue v && v.TryGetValue(out bool b) && b;

    /// <summary>Gets <c>exp</c> (seconds since the epoch) as a time, or <see langword="null"/>.</summary>
    public DateTimeOffset? ExpiresAt
    {
        get
        {
            if (Payload["exp"] is not JsonValue v)
            {
                return null;
            }

            if (v.TryGetValue(out long seconds) || (v.TryGetValue(out double d) && (seconds = (long)d) == seconds))
            {
                return seconds is > 0 and < 253402300799 ? DateTimeOffset.FromUnixTimeSeconds(seconds) : null;
            }

            return null;
        }
    }

    private JsonObject? Auth => Payload[AuthClaim] as JsonObject;

    /// <summary>Decodes a JWT's payload; <see langword="null"/> when it is not three non-empty parts with a JSON object payload.</summary>
    public static SignInJwt? TryDecode(string? jwt)
    {
        if (string.IsNullOrEmpty(jwt))
        {
            return null;
        }

        string[] parts = jwt.Split('.');
        if (parts.Length != 3 || parts.Any(p => p.Length == 0))
        {
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = SignInBase64Url.Decode(parts[1]);
        }
        catch (FormatException)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(bytes) is JsonObject payload ? new SignInJwt(payload) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? ReadString(JsonObject obj, string name) =>
        obj[name] is JsonValue v && v.TryGetValue(out string? s) && !string.IsNullOrEmpty(s) ? s : null;
}
