using System.Net;
using System.Text.Json.Nodes;
using Codex.Auth.AgentIdentity;
using Codex.Auth.ApiKeys;
using Codex.Auth.ChatGpt;
using Codex.Auth.Diagnostics;
using Codex.Auth.Http;
using Codex.Auth.SignIn;
using Codex.Auth.Storage;
using Codex.Auth.Testing;
using Codex.Auth.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Codex.Auth.Tests.Diagnostics;

/// <summary>
/// Runs the main scenarios with every log at Trace level and every Codex.Auth activity and instrument listened to,
/// then asserts that no access, refresh or id token, API key, personal access token, private key, identity JWT,
/// assertion, authorization code or PKCE verifier appears in any of it.
/// </summary>
[Collection(TelemetryTestGroup.Name)]
public sealed class SecretsInTelemetryTests
{
    private static readonly CodexEnvironment s_emptyEnvironment = CodexEnvironment.FromValues(new Dictionary<string, string?>());

    [Fact]
    public async Task ChatGpt_refresh_401_recovery_and_permanent_failure_log_no_token()
    {
        using var capture = new TelemetryCapture();
        await using ChatGptFixture fx = await ChatGptFixture.StartAsync();
        var secrets = new List<string> { fx.SignIn.AccessToken, fx.SignIn.RefreshToken, fx.SignIn.IdToken };
        using var provider = new ChatGptTokenProvider(
            new ChatGptTokenProviderOptions
            {
                CodexHome = fx.Home.Path,
                RefreshTokenUrl = fx.Server.TokenEndpoint,
                BaseUrl = fx.Server.CodexBaseUrl,
                RefreshRetryDelay = TimeSpan.Zero,
                ReusedTokenGracePeriod = TimeSpan.Zero,
            },
            fx.Time,
            fx.RefreshHttp,
            s_emptyEnvironment,
            capture.Logger<ChatGptTokenProvider>());
        HttpClient client = fx.CreateClient(provider);

        // Cached use, then a refresh past expiry.
        using (HttpResponseMessage ok = await client.GetAsync("models"))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        fx.Time.Advance(TimeSpan.FromHours(2));
        using (HttpResponseMessage refreshed = await client.GetAsync("models"))
        {
            Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        }

        secrets.AddRange(StoredTokens(fx.ReadAuthJson()));

        // HTTP 401 with a valid token: reload, refresh (unauthorized_recovery), resend.
        fx.Server.BackendFaults.Unauthorized();
        using (HttpResponseMessage recovered = await client.GetAsync("models"))
        {
            Assert.Equal(HttpStatusCode.OK, recovered.StatusCode);
        }

        secrets.AddRange(StoredTokens(fx.ReadAuthJson()));

        // A permanent failure: the refresh token has expired.
        fx.Time.Advance(TimeSpan.FromHours(2));
        fx.Server.TokenFaults.RefreshTokenExpired();
        CodexAuthException failure = await Assert.ThrowsAsync<CodexAuthException>(() => client.GetAsync("models"));
        Assert.True(failure.RequiresSignIn);

        secrets.AddRange(AuthorizationValues(fx.Server));
        Assert.Equal(["proactive_expiry", "unauthorized_recovery", "proactive_expiry"], fx.Server.RefreshReasons);
        Assert.Contains(capture.Logs, l => l.Contains("ChatGPT token refreshed (unauthorized_recovery)", StringComparison.Ordinal));
        Assert.Contains(capture.Logs, l => l.Contains("can no longer be renewed", StringComparison.Ordinal));
        Assert.Contains(capture.Activities, a => a.StartsWith("activity " + CodexAuthTelemetry.RefreshActivityName, StringComparison.Ordinal));
        Assert.Contains(capture.Measurements, m => m.Instrument == CodexAuthTelemetry.RefreshesInstrumentName && m.Tags.Contains("outcome=permanent_failure", StringComparison.Ordinal));
        Assert.Contains(capture.Measurements, m => m.Instrument == CodexAuthTelemetry.RecoveriesInstrumentName && m.Tags.Contains("outcome=refreshed", StringComparison.Ordinal));
        Assert.Contains(capture.Measurements, m => m.Instrument == CodexAuthTelemetry.TokenAgeInstrumentName);
        capture.AssertContainsNone(secrets);
    }

    [Fact]
    public async Task Api_key_through_the_http_client_factory_logs_no_key()
    {
        using var capture = new TelemetryCapture();
        await using FakeCodexServer server = await FakeCodexServer.StartAsync();
        const string apiKey = "sk-test-secret-0123456789abcdef";
        server.AddApiKey(apiKey);
        var services = new ServiceCollection();
        services.AddSingleton(capture.LoggerFactory);
        services.AddLogging(b => b.SetMinimumLevel(LogLevel.Trace));
        services.AddHttpClient("openai", c => c.BaseAddress = new Uri(server.ApiBaseUrl.AbsoluteUri + "/"))
                .AddCodexAuth(o =>
                {
                    o.Source = CodexCredentialSource.ApiKey;
                    o.ApiKey = apiKey;
                });
        await using ServiceProvider sp = services.BuildServiceProvider();

        HttpClient client = sp.GetRequiredService<IHttpClientFactory>().CreateClient("openai");
        using HttpResponseMessage response = await client.GetAsync("models");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEmpty(capture.Logs); // IHttpClientFactory's own request logging, headers included at Trace
        capture.AssertContainsNone([apiKey, .. AuthorizationValues(server)]);
    }

    [Fact]
    public async Task Personal_access_token_logs_only_its_fingerprint()
    {
        using var capture = new TelemetryCapture();
        await using FakeCodexServer server = await FakeCodexServer.StartAsync();
        string token = server.CreatePersonalAccessToken("acct_pat");
        using var http = new HttpClient();
        using var provider = new PersonalAccessTokenProvider(
            new PersonalAccessTokenProviderOptions { Token = token, UseEnvironment = false, UseCredentialStore = false, AuthApiBaseUrl = new Uri(server.BaseAddress, "api/accounts"), BaseUrl = server.CodexBaseUrl },
            http,
            s_emptyEnvironment,
            capture.Logger<PersonalAccessTokenProvider>());
        using var client = new HttpClient(new CodexAuthHandler(provider) { InnerHandler = new SocketsHttpHandler() }) { BaseAddress = new Uri(server.CodexBaseUrl.AbsoluteUri + "/") };

        using HttpResponseMessage response = await client.GetAsync("models");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        PersonalAccessTokenInfo info = await provider.GetIdentityAsync();
        Assert.Contains(capture.Logs, l => l.Contains(info.TokenFingerprint, StringComparison.Ordinal) && l.Contains("acct_pat", StringComparison.Ordinal));
        capture.AssertContainsNone([token, .. AuthorizationValues(server)]);
    }

    [Fact]
    public async Task Agent_identity_registration_logs_no_key_jwt_or_assertion()
    {
        using var capture = new TelemetryCapture();
        await using FakeCodexServer server = await FakeCodexServer.StartAsync();
        FakeAgentRuntime agent = server.CreateAgentRuntime("acct_agent");
        using var http = new HttpClient();
        using var provider = new AgentIdentityProvider(
            new AgentIdentityProviderOptions
            {
                Identity = agent.IdentityJwt,
                UseEnvironment = false,
                UseCredentialStore = false,
                JwksBaseUrl = new Uri(server.BaseAddress, "backend-api"),
                AuthApiBaseUrl = new Uri(server.BaseAddress, "api/accounts"),
                BaseUrl = server.CodexBaseUrl,
            },
            http,
            TimeProvider.System,
            s_emptyEnvironment,
            capture.Logger<AgentIdentityProvider>());
        using var client = new HttpClient(new CodexAuthHandler(provider) { InnerHandler = new SocketsHttpHandler() }) { BaseAddress = new Uri(server.CodexBaseUrl.AbsoluteUri + "/") };

        using HttpResponseMessage response = await client.PostAsync("responses", new StringContent("""{"model":"gpt-5-codex","input":"hi"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(server.AgentTasks(agent.AgentRuntimeId));
        Assert.Contains(capture.Logs, l => l.Contains("Registered a task for agent " + agent.AgentRuntimeId, StringComparison.Ordinal));
        Assert.Contains(capture.Activities, a => a.StartsWith("activity " + CodexAuthTelemetry.TaskRegistrationActivityName, StringComparison.Ordinal));
        Assert.Contains(capture.Measurements, m => m.Instrument == CodexAuthTelemetry.TaskRegistrationsInstrumentName && m.Tags.Contains("outcome=success", StringComparison.Ordinal));
        capture.AssertContainsNone([agent.IdentityJwt, agent.PrivateKeyPkcs8V1, agent.PrivateKeyPkcs8V2, .. AuthorizationValues(server), .. RegistrationSignatures(server)]);
    }

    [Fact]
    public async Task Device_code_sign_in_logs_no_code_verifier_or_token()
    {
        using var capture = new TelemetryCapture();
        await using FakeCodexServer server = await FakeCodexServer.StartAsync();
        using var home = new TempDirectory();
        using var http = new HttpClient();
        using var signIn = new CodexSignIn(new FileCredentialStore(home.Path), new SignInOptions { Issuer = server.Issuer, HttpClient = http }, capture.Logger<CodexSignIn>());

        Task<SignInResult> flow = signIn.SignInWithDeviceCodeAsync();
        string userCode = await server.WaitForDeviceCodeAsync().WaitAsync(TimeSpan.FromSeconds(30));
        server.ApproveDeviceCode(userCode, accountId: "acct_device");
        SignInResult result = await flow.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("acct_device", result.AccountId);
        var stored = (JsonObject)JsonNode.Parse(File.ReadAllText(home.File("auth.json")))!;
        var secrets = new List<string>(StoredTokens(stored));
        foreach (RecordedRequest exchange in server.RequestsTo("/oauth/token"))
        {
            foreach (string pair in exchange.Body.Split('&'))
            {
                string[] kv = pair.Split('=', 2);
                if (kv is ["code" or "code_verifier", { Length: >= 16 } value])
                {
                    secrets.Add(Uri.UnescapeDataString(value));
                }
            }
        }

        Assert.True(secrets.Count >= 5, "expected three tokens, the authorization code and the verifier");
        Assert.Contains(capture.Logs, l => l.Contains("Signed in (device_code) to account acct_device", StringComparison.Ordinal));
        Assert.Contains(capture.Activities, a => a.StartsWith("activity " + CodexAuthTelemetry.SignInActivityName, StringComparison.Ordinal) && a.Contains("outcome=success", StringComparison.Ordinal));
        capture.AssertContainsNone(secrets);
    }

    [Fact]
    public void The_capture_detects_a_leaked_piece_of_a_secret()
    {
        using var capture = new TelemetryCapture();
        const string secret = "rt_0123456789abcdefghijklmnopqrstuvwxyz";
#pragma warning disable CA1848, CA1873, CA2254 // a deliberate leak, to prove the check works
        capture.LoggerFactory.CreateLogger("leak").LogDebug("tail {Value}", secret[10..30]);
#pragma warning restore CA1848, CA1873, CA2254

        Assert.ThrowsAny<Xunit.Sdk.XunitException>(() => capture.AssertContainsNone([secret]));
    }

    private static IEnumerable<string> StoredTokens(JsonObject authJson)
    {
        JsonObject tokens = authJson["tokens"]!.AsObject();
        return new[] { "access_token", "refresh_token", "id_token" }.Select(name => (string)tokens[name]!);
    }

    private static IEnumerable<string> AuthorizationValues(FakeCodexServer server) =>
        server.Requests
            .Select(r => r.Header("Authorization"))
            .OfType<string>()
            .Select(v => v[(v.IndexOf(' ', StringComparison.Ordinal) + 1)..])
            .Where(v => v.Length >= 16);

    private static IEnumerable<string> RegistrationSignatures(FakeCodexServer server) =>
        server.Requests
            .Where(r => r.Path.EndsWith("/task/register", StringComparison.Ordinal))
            .Select(r => (string?)JsonNode.Parse(r.Body)?["signature"])
            .OfType<string>();
}
