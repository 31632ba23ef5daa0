using System.Text.Json.Nodes;

namespace Codex.Auth.AgentIdentity;

/// <summary>An agent identity's claims and key, from a verified JWT or an auth.json record. Holds the key: never printed.</summary>
internal sealed class AgentIdentityCredential
{
    private AgentIdentityCredential(
        string runtimeId,
        AgentSigningKey key,
        string accountId,
        string? userId,
        string? email,
        string? planType,
        bool isFedRamp,
        string? taskId,
        DateTimeOffset? expiresAt,
        string source)
    {
        RuntimeId = runtimeId;
        Key = key;
        AccountId = accountId;
        ChatGptUserId = userId;
        Email = email;
        PlanType = planType;
        IsFedRamp = isFedRamp;
        TaskId = taskId;
        ExpiresAt = expiresAt;
        Source = source;
    }

    public string RuntimeId { get; }

    public AgentSigningKey Key { get; }

    public string AccountId { get; }

    public string? ChatGptUserId { get; }

    public string? Email { get; }

    public string? PlanType { get; }

    public bool IsFedRamp { get; }

    public string? TaskId { get; }

    public DateTimeOffset? ExpiresAt { get; }

    public string Source { get; }

    /// <summary>Reads the identity fields shared by the JWT claims and the auth.json record.</summary>
    public static AgentIdentityCredential FromClaims(JsonObject claims, string source, DateTimeOffset? expiresAt)
    {
        string runtimeId = RequiredString(claims, "agent_runtime_id", source);
        string privateKey = RequiredString(claims, "agent_private_key", source);
        string accountId = RequiredString(claims, "account_id", source);
        string? email = OptionalString(claims, "email", source);
        string? taskId = OptionalString(claims, "task_id", source);
        bool isFedRamp = claims["chatgpt_account_is_fedramp"] switch
        {
            null => false,
            JsonValue v when v.TryGetValue(out bool b) => b,
            _ => throw Malformed(source, "\"chatgpt_account_is_fedramp\" is not a boolean"),
        };

        AgentSigningKey key = AgentSigningKey.Parse(privateKey);
        return new AgentIdentityCredential(
            runtimeId,
            key,
            accountId,
            OptionalString(claims, "chatgpt_user_id", source),
            string.IsNullOrEmpty(email) ? null : email,
            OptionalString(claims, "plan_type", source),
            isFedRamp,
            string.IsNullOrWhiteSpace(taskId) ? null : taskId, // PROTOCOL §5.3: a blank task_id is no task id
            expiresAt,
            source);
    }

    public override string ToString() => $"agent {RuntimeId} account={AccountId} from {Source}";

    internal static CodexAuthException Malformed(string source, string what) =>
        new(
            CodexAuthFailureReason.InvalidAgentIdentity,
            $"The agent identity from {source} cannot be used: {what}.",
            AgentIdentityProvider.Remediation);

    private static string RequiredString(JsonObject claims, string name, string source) =>
        OptionalString(claims, name, source) is { Length: > 0 } value
            ? value
            : throw Malformed(source, $"\"{name}\" is missing or empty");

    private static string? OptionalString(JsonObject claims, string name, string source) =>
        claims[name] switch
        {
            null => null,
            JsonValue v when v.TryGetValue(out string? s) => s,
            _ => throw Malformed(source, $"\"{name}\" is not a string"),
        };
}
