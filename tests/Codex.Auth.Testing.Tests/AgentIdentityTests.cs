using System.Buffers.Text;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Sodium;
using static Codex.Auth.Testing.Tests.TestHttp;

namespace Codex.Auth.Testing.Tests;

public sealed class AgentIdentityTests
{
    private static readonly DateTimeOffset Start = new(2026, 4, 23, 0, 0, 0, TimeSpan.Zero);

    private static byte[] SeedOf(FakeAgentRuntime agent)
    {
        byte[] v1 = Convert.FromBase64String(agent.PrivateKeyPkcs8V1);
        Assert.Equal(48, v1.Length);
        return v1[16..];
    }

    private static string Sign(byte[] seed, string message)
    {
        var signer = new Ed25519Signer();
        signer.Init(true, new Ed25519PrivateKeyParameters(seed));
        byte[] bytes = Encoding.UTF8.GetBytes(message);
        signer.BlockUpdate(bytes, 0, bytes.Length);
        return Convert.ToBase64String(signer.GenerateSignature());
    }

    private static string Stamp(DateTimeOffset when) => when.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static Task<HttpResponseMessage> RegisterAsync(HttpClient http, FakeCodexServer server, FakeAgentRuntime agent, string timestamp, string signature) =>
        http.PostAsync(new Uri(server.BaseAddress, $"api/accounts/v1/agent/{agent.AgentRuntimeId}/task/register"), JsonContent.Create(new { timestamp, signature }));

    private static string Assertion(string runtimeId, string signature, string taskId, string timestamp) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
            $"{{\"agent_runtime_id\":\"{runtimeId}\",\"signature\":\"{signature}\",\"task_id\":\"{taskId}\",\"timestamp\":\"{timestamp}\"}}"));

    private static async Task<string> RegisterTaskAsync(HttpClient http, FakeCodexServer server, FakeAgentRuntime agent, DateTimeOffset now)
    {
        string timestamp = Stamp(now);
        using HttpResponseMessage response = await RegisterAsync(http, server, agent, timestamp, Sign(SeedOf(agent), $"{agent.AgentRuntimeId}:{timestamp}"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await JsonAsync(response))["task_id"]!.GetValue<string>();
    }

    [Fact]
    public async Task Identity_jwt_verifies_against_the_jwks_and_carries_the_claims()
    {
        var time = new FakeTimeProvider(Start);
        await using var server = await FakeCodexServer.StartAsync(new FakeCodexServerOptions { TimeProvider = time });
        using HttpClient http = Client();
        FakeAgentRuntime agent = server.CreateAgentRuntime("acct_agent", email: "", plan: "team", isFedRamp: true);

        using HttpResponseMessage jwksResponse = await http.GetAsync(server.AgentIdentityJwksUrl);
        Assert.Equal(HttpStatusCode.OK, jwksResponse.StatusCode);
        JsonNode key = Assert.Single((await JsonAsync(jwksResponse))["keys"]!.AsArray())!;
        string[] parts = agent.IdentityJwt.Split('.');
        Assert.Equal(key["kid"]!.GetValue<string>(), Header(agent.IdentityJwt)["kid"]!.GetValue<string>());
        Assert.Equal(server.SigningKeyId, key["kid"]!.GetValue<string>());
        using var rsa = RSA.Create(new RSAParameters
        {
            Modulus = Base64Url.DecodeFromChars(key["n"]!.GetValue<string>()),
            Exponent = Base64Url.DecodeFromChars(key["e"]!.GetValue<string>()),
        });
        Assert.True(rsa.VerifyData(Encoding.ASCII.GetBytes(parts[0] + "." + parts[1]), Base64Url.DecodeFromChars(parts[2]), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));

        JsonObject claims = Payload(agent.IdentityJwt);
        Assert.Equal("https://chatgpt.com/codex-backend/agent-identity", claims["iss"]!.GetValue<string>());
        Assert.Equal("codex-app-server", claims["aud"]!.GetValue<string>());
        Assert.Equal(Start.ToUnixTimeSeconds(), claims["iat"]!.GetValue<long>());
        Assert.True(claims["exp"]!.GetValue<long>() > Start.ToUnixTimeSeconds());
        Assert.Equal(agent.AgentRuntimeId, claims["agent_runtime_id"]!.GetValue<string>());
        Assert.Equal(agent.PrivateKeyPkcs8V1, claims["agent_private_key"]!.GetValue<string>());
        Assert.Equal("acct_agent", claims["account_id"]!.GetValue<string>());
        Assert.Equal("team", claims["plan_type"]!.GetValue<string>());
        Assert.True(claims["chatgpt_account_is_fedramp"]!.GetValue<bool>());
        Assert.Equal(agent.PrivateKeyPkcs8V2, Payload(agent.MintIdentityJwt(embedV2Key: true))["agent_private_key"]!.GetValue<string>());
        Assert.Contains("\"agent_identity\"", agent.ToAuthJson(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Both_pkcs8_forms_hold_the_same_key()
    {
        await using var server = await FakeCodexServer.StartAsync();
        FakeAgentRuntime agent = server.CreateAgentRuntime();

        byte[] seed = SeedOf(agent);
        byte[] v2 = Convert.FromBase64String(agent.PrivateKeyPkcs8V2);
        byte[] publicKey = new Ed25519PrivateKeyParameters(seed).GeneratePublicKey().GetEncoded();

        Assert.Equal(83, v2.Length);
        Assert.Equal(seed, v2[16..48]);
        Assert.Equal(publicKey, v2[51..]);
        Assert.Equal(Convert.ToBase64String(publicKey), agent.PublicKey);
        Assert.DoesNotContain(agent.PrivateKeyPkcs8V1, agent.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Task_registration_checks_signature_and_timestamp()
    {
        var time = new FakeTimeProvider(Start);
        await using var server = await FakeCodexServer.StartAsync(new FakeCodexServerOptions { TimeProvider = time });
        using HttpClient http = Client();
        FakeAgentRuntime agent = server.CreateAgentRuntime();
        FakeAgentRuntime other = server.CreateAgentRuntime();
        string now = Stamp(Start);

        string taskId = await RegisterTaskAsync(http, server, agent, Start);
        Assert.Equal([taskId], server.AgentTasks(agent.AgentRuntimeId));

        using HttpResponseMessage wrongKey = await RegisterAsync(http, server, agent, now, Sign(SeedOf(other), $"{agent.AgentRuntimeId}:{now}"));
        Assert.Equal(HttpStatusCode.Unauthorized, wrongKey.StatusCode);
        Assert.Equal("invalid_signature", await ErrorCodeAsync(wrongKey));

        string stale = Stamp(Start - TimeSpan.FromMinutes(6));
        using HttpResponseMessage old = await RegisterAsync(http, server, agent, stale, Sign(SeedOf(agent), $"{agent.AgentRuntimeId}:{stale}"));
        Assert.Equal(HttpStatusCode.Unauthorized, old.StatusCode);
        Assert.Equal("invalid_timestamp", await ErrorCodeAsync(old));

        using HttpResponseMessage unknown = await http.PostAsync(new Uri(server.BaseAddress, "api/accounts/v1/agent/agrt_nope/task/register"), JsonContent.Create(new { timestamp = now, signature = "x" }));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Single(server.AgentTasks(agent.AgentRuntimeId));
    }

    [Fact]
    public async Task Encrypted_task_id_opens_with_the_x25519_key_derived_from_the_seed()
    {
        var time = new FakeTimeProvider(Start);
        await using var server = await FakeCodexServer.StartAsync(new FakeCodexServerOptions { TimeProvider = time });
        using HttpClient http = Client();
        FakeAgentRuntime agent = server.CreateAgentRuntime(encryptTaskId: true);
        byte[] seed = SeedOf(agent);
        string timestamp = Stamp(Start);

        using HttpResponseMessage response = await RegisterAsync(http, server, agent, timestamp, Sign(seed, $"{agent.AgentRuntimeId}:{timestamp}"));
        JsonObject body = await JsonAsync(response);
        Assert.False(body.ContainsKey("task_id"));
        byte[] sealedBox = Convert.FromBase64String(body["encrypted_task_id"]!.GetValue<string>());

        byte[] secret = SHA512.HashData(seed)[..32];
        secret[0] &= 248;
        secret[31] &= 127;
        secret[31] |= 64;
        byte[] plain = SealedPublicKeyBox.Open(sealedBox, secret, ScalarMult.Base(secret));
        Assert.Equal(Assert.Single(server.AgentTasks(agent.AgentRuntimeId)), Encoding.UTF8.GetString(plain));
    }

    [Fact]
    public async Task Backend_accepts_a_valid_agent_assertion_and_rejects_bad_ones()
    {
        var time = new FakeTimeProvider(Start);
        await using var server = await FakeCodexServer.StartAsync(new FakeCodexServerOptions { TimeProvider = time });
        using HttpClient http = Client();
        FakeAgentRuntime agent = server.CreateAgentRuntime("acct_agent");
        string taskId = await RegisterTaskAsync(http, server, agent, Start);
        byte[] seed = SeedOf(agent);

        async Task<(HttpStatusCode, string?)> CallAsync(string assertion, string account = "acct_agent")
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(server.CodexBaseUrl + "/models"));
            request.Headers.Authorization = new AuthenticationHeaderValue("AgentAssertion", assertion);
            request.Headers.Add("ChatGPT-Account-ID", account);
            using HttpResponseMessage response = await http.SendAsync(request);
            return (response.StatusCode, response.StatusCode == HttpStatusCode.OK ? null : await ErrorCodeAsync(response));
        }

        string Valid(DateTimeOffset when, string task)
        {
            string ts = Stamp(when);
            return Assertion(agent.AgentRuntimeId, Sign(seed, $"{agent.AgentRuntimeId}:{task}:{ts}"), task, ts);
        }

        Assert.Equal((HttpStatusCode.OK, null), await CallAsync(Valid(Start, taskId)));
        Assert.Equal((HttpStatusCode.Unauthorized, "account_mismatch"), await CallAsync(Valid(Start, taskId), "acct_other"));
        Assert.Equal((HttpStatusCode.Unauthorized, "agent_task_not_found"), await CallAsync(Valid(Start, "task_unregistered")));
        Assert.Equal((HttpStatusCode.Unauthorized, "invalid_timestamp"), await CallAsync(Valid(Start - TimeSpan.FromMinutes(6), taskId)));
        Assert.Equal((HttpStatusCode.Unauthorized, "agent_assertion_malformed"), await CallAsync(Valid(Start, taskId) + "=="));

        string ts = Stamp(Start);
        string wrongMessage = Assertion(agent.AgentRuntimeId, Sign(seed, $"{agent.AgentRuntimeId}:{ts}"), taskId, ts);
        Assert.Equal((HttpStatusCode.Unauthorized, "invalid_signature"), await CallAsync(wrongMessage));

        string reordered = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(
            $"{{\"task_id\":\"{taskId}\",\"agent_runtime_id\":\"{agent.AgentRuntimeId}\",\"signature\":\"{Sign(seed, $"{agent.AgentRuntimeId}:{taskId}:{ts}")}\",\"timestamp\":\"{ts}\"}}"));
        Assert.Equal((HttpStatusCode.Unauthorized, "agent_assertion_malformed"), await CallAsync(reordered));

        time.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal((HttpStatusCode.OK, null), await CallAsync(Valid(Start, taskId)));
    }

    [Fact]
    public async Task Personal_access_tokens_work_with_whoami_and_the_backend()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        string pat = server.CreatePersonalAccessToken("acct_pat", email: "p@example.com", plan: "pro", isFedRamp: true);
        Assert.StartsWith("at-", pat, StringComparison.Ordinal);

        using var whoami = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseAddress, "api/accounts/v1/user-auth-credential/whoami"));
        whoami.Headers.Authorization = new AuthenticationHeaderValue("Bearer", pat);
        using HttpResponseMessage who = await http.SendAsync(whoami);
        Assert.Equal(HttpStatusCode.OK, who.StatusCode);
        JsonObject body = await JsonAsync(who);
        Assert.Equal("acct_pat", body["chatgpt_account_id"]!.GetValue<string>());
        Assert.Equal("p@example.com", body["email"]!.GetValue<string>());
        Assert.Equal("pro", body["chatgpt_plan_type"]!.GetValue<string>());
        Assert.True(body["chatgpt_account_is_fedramp"]!.GetValue<bool>());

        using HttpRequestMessage call = Backend(HttpMethod.Get, new Uri(server.CodexBaseUrl + "/models"), pat, "acct_pat");
        using HttpResponseMessage ok = await http.SendAsync(call);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        using HttpRequestMessage bad = Backend(HttpMethod.Get, new Uri(server.CodexBaseUrl + "/models"), "at-unknown", "acct_pat");
        using HttpResponseMessage rejected = await http.SendAsync(bad);
        Assert.Equal(HttpStatusCode.Unauthorized, rejected.StatusCode);

        using var unknownWho = new HttpRequestMessage(HttpMethod.Get, new Uri(server.BaseAddress, "api/accounts/v1/user-auth-credential/whoami"));
        unknownWho.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "at-unknown");
        using HttpResponseMessage unknown = await http.SendAsync(unknownWho);
        Assert.Equal(HttpStatusCode.Unauthorized, unknown.StatusCode);
    }
}
