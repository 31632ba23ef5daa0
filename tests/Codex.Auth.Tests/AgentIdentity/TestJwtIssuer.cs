using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Codex.Auth.Tests.AgentIdentity;

/// <summary>Mints RS256 agent-identity JWTs with its own RSA key, independently of the library.</summary>
public sealed class TestJwtIssuer : IDisposable
{
    private readonly RSA _rsa = RSA.Create(2048);

    public TestJwtIssuer(string kid) => Kid = kid;

    public string Kid { get; }

    public JsonObject Jwk()
    {
        RSAParameters p = _rsa.ExportParameters(false);
        return new JsonObject { ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = Kid, ["n"] = B64Url(p.Modulus!), ["e"] = B64Url(p.Exponent!) };
    }

    public string Mint(JsonObject claims, string? kid = null)
    {
        string header = B64Url(Encoding.UTF8.GetBytes(new JsonObject { ["alg"] = "RS256", ["typ"] = "JWT", ["kid"] = kid ?? Kid }.ToJsonString()));
        string payload = B64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        byte[] signature = _rsa.SignData(Encoding.ASCII.GetBytes(header + "." + payload), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return header + "." + payload + "." + B64Url(signature);
    }

    public static JsonObject Claims(TestAgentKey key, DateTimeOffset now, string runtimeId = "rt_test", bool fedRamp = false, bool v2 = false) => new()
    {
        ["iss"] = "https://chatgpt.com/codex-backend/agent-identity",
        ["aud"] = "codex-app-server",
        ["iat"] = now.ToUnixTimeSeconds(),
        ["exp"] = now.AddHours(1).ToUnixTimeSeconds(),
        ["agent_runtime_id"] = runtimeId,
        ["agent_private_key"] = v2 ? key.Pkcs8V2 : key.Pkcs8V1,
        ["account_id"] = "acct_agent",
        ["chatgpt_user_id"] = "user_agent",
        ["email"] = "agent@example.com",
        ["plan_type"] = "pro",
        ["chatgpt_account_is_fedramp"] = fedRamp,
    };

    public static string B64Url(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] FromB64Url(string text)
    {
        string s = text.Replace('-', '+').Replace('_', '/');
        return Convert.FromBase64String(s + new string('=', (4 - s.Length % 4) % 4));
    }

    public void Dispose() => _rsa.Dispose();
}
