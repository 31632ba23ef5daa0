using System.Text;
using System.Text.Json.Nodes;
using Codex.Auth.Storage;
using Sodium;

namespace Codex.Auth.Benchmarks;

/// <summary>Constant credentials shared by the benchmarks (no I/O, nothing secret).</summary>
internal static class BenchmarkCredentials
{
    public const string ApiKey = "sk-benchmark-key";
    public const string AccountId = "acct_bench";
    public const string AgentRuntimeId = "rt_bench";
    public const string AgentTaskId = "task_bench";

    public static readonly Uri ApiUrl = new("https://api.openai.com/v1/responses");
    public static readonly Uri CodexUrl = new("https://chatgpt.com/backend-api/codex/responses");

    /// <summary>An unsigned JWT with the given claims (the provider reads claims without verifying signatures).</summary>
    public static string Jwt(JsonObject payload) =>
        string.Concat(
            Base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}"u8.ToArray()),
            ".",
            Base64Url(Encoding.UTF8.GetBytes(payload.ToJsonString())),
            ".",
            Base64Url("signature"u8.ToArray()));

    /// <summary>An access token that expires at <paramref name="expires"/> and was issued at <paramref name="issuedAt"/>.</summary>
    public static string AccessToken(DateTimeOffset issuedAt, DateTimeOffset expires) =>
        Jwt(new JsonObject
        {
            ["iat"] = issuedAt.ToUnixTimeSeconds(),
            ["exp"] = expires.ToUnixTimeSeconds(),
            ["https://api.openai.com/auth"] = new JsonObject { ["chatgpt_account_id"] = AccountId },
        });

    /// <summary>An id_token for a FedRAMP account, so that all three headers are sent.</summary>
    public static string IdToken() =>
        Jwt(new JsonObject
        {
            ["email"] = "bench@example.com",
            ["https://api.openai.com/auth"] = new JsonObject
            {
                ["chatgpt_account_id"] = AccountId,
                ["chatgpt_plan_type"] = "pro",
                ["chatgpt_user_id"] = "user_bench",
                ["chatgpt_account_is_fedramp"] = true,
            },
        });

    /// <summary>A ChatGPT sign-in whose access token lives from <paramref name="issuedAt"/> to <paramref name="expires"/>.</summary>
    public static InMemoryCredentialStore ChatGptStore(DateTimeOffset issuedAt, DateTimeOffset expires) =>
        new(CodexAuthDocument.CreateChatGpt(IdToken(), AccessToken(issuedAt, expires), "rt_benchmark_refresh", AccountId, issuedAt));

    /// <summary>An agent identity record (auth.json <c>agent_identity</c> object form) with a registered task, for a FedRAMP account.</summary>
    public static string AgentIdentityRecord(byte[] seed) =>
        new JsonObject
        {
            ["agent_runtime_id"] = AgentRuntimeId,
            ["agent_private_key"] = Convert.ToBase64String(Pkcs8V1(seed)),
            ["account_id"] = AccountId,
            ["task_id"] = AgentTaskId,
            ["chatgpt_account_is_fedramp"] = true,
        }.ToJsonString();

    /// <summary>A fixed Ed25519 seed (benchmarks must be repeatable).</summary>
    public static byte[] Seed() => Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    /// <summary>libsodium's 64-byte secret key (seed || public key) for <paramref name="seed"/>.</summary>
    public static byte[] SecretKey(byte[] seed) => PublicKeyAuth.GenerateKeyPair(seed).PrivateKey;

    // RFC 8410 PKCS#8 v1: SEQUENCE { INTEGER 0, SEQUENCE { OID 1.3.101.112 }, OCTET STRING { OCTET STRING seed } }.
    private static byte[] Pkcs8V1(byte[] seed) =>
        [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20, .. seed];

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
