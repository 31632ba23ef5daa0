using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Codex.Auth.AgentIdentity;
using Codex.Auth.Http;
using Codex.Auth.Storage;
using Codex.Auth.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Codex.Auth.Tests.AgentIdentity;

public sealed class AgentIdentityProviderTests : IAsyncLifetime
{
    private static readonly DateTimeOffset s_start = new(2026, 4, 23, 0, 0, 0, 250, TimeSpan.Zero);

    private readonly FakeTimeProvider _time = new(s_start);
    private readonly TestJwtIssuer _issuer = new("kid-1");
    private readonly TestAgentKey _key = TestAgentKey.Create();
    private readonly HttpClient _http = new();
    private FakeAgentServer _server = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeAgentServer.StartAsync();
        _server.JwksKeys.Add(_issuer);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _http.Dispose();
        _issuer.Dispose();
    }

    private AgentIdentityProvider Provider(
        string? identity = null,
        CodexEnvironment? environment = null,
        ICodexCredentialStore? store = null,
        TimeSpan? retryDelay = null,
        TimeProvider? time = null) =>
        new(
            new AgentIdentityProviderOptions
            {
                Identity = identity,
                UseEnvironment = environment is not null,
                UseCredentialStore = store is not null,
                CredentialStore = store,
                JwksBaseUrl = _server.JwksBaseUrl,
                AuthApiBaseUrl = new Uri(_server.BaseAddress, "api/accounts"),
                BaseUrl = _server.BackendBaseUrl,
                RegistrationRetryDelay = retryDelay ?? TimeSpan.Zero,
            },
            _http,
            time ?? _time,
            environment ?? CodexEnvironment.FromValues(new Dictionary<string, string?>()));

    private string Jwt(Action<JsonObject>? change = null, bool v2 = false, string runtimeId = "rt_test", bool fedRamp = false, TestJwtIssuer? issuer = null, string? kid = null)
    {
        JsonObject claims = TestJwtIssuer.Claims(_key, _time.GetUtcNow(), runtimeId, fedRamp, v2);
        change?.Invoke(claims);
        return (issuer ?? _issuer).Mint(claims, kid);
    }

    private static string AuthorizationOf(AuthHeaders headers)
    {
        using var request = new HttpRequestMessage();
        headers.ApplyTo(request.Headers);
        return request.Headers.GetValues("Authorization").Single();
    }

    /// <summary>Checks the header byte for byte against an envelope rebuilt here, and the signature with BouncyCastle.</summary>
    private static void AssertAssertion(string authorization, TestAgentKey key, string runtimeId, string taskId, string timestamp)
    {
        Assert.StartsWith("AgentAssertion ", authorization, StringComparison.Ordinal);
        string encoded = authorization["AgentAssertion ".Length..];
        Assert.DoesNotContain('=', encoded);
        Assert.DoesNotContain('+', encoded);
        Assert.DoesNotContain('/', encoded);
        string json = Encoding.UTF8.GetString(TestJwtIssuer.FromB64Url(encoded));
        string signature = JsonNode.Parse(json)!["signature"]!.GetValue<string>();
        string expected = "{\"agent_runtime_id\":\"" + runtimeId + "\",\"signature\":\"" + signature + "\",\"task_id\":\"" + taskId + "\",\"timestamp\":\"" + timestamp + "\"}";
        Assert.Equal(expected, json);
        byte[] signatureBytes = Convert.FromBase64String(signature);
        Assert.Equal(64, signatureBytes.Length);
        Assert.Equal(Convert.ToBase64String(signatureBytes), signature); // standard, padded
        Assert.True(key.Verify(Encoding.UTF8.GetBytes($"{runtimeId}:{taskId}:{timestamp}"), signatureBytes), "Ed25519 signature does not verify");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Jwt_identity_with_either_PKCS8_form_produces_a_verifiable_assertion(bool v2)
    {
        using var provider = Provider(Jwt(v2: v2, fedRamp: true));

        AuthHeaders headers = await provider.GetHeadersAsync();

        AssertAssertion(AuthorizationOf(headers), _key, "rt_test", "task_default", "2026-04-23T00:00:00Z");
        Assert.Equal("AgentAssertion", headers.Scheme);
        Assert.Equal("acct_agent", headers.AccountId);
        Assert.True(headers.IsFedRamp);
        Assert.False(provider.SupportsRecovery);
        Assert.False(await provider.RecoverAsync(headers));
        Assert.Equal(_server.BackendBaseUrl, provider.BaseUrl);
    }

    [Fact]
    public void Key_lengths_match_the_protocol()
    {
        Assert.Equal(48, Convert.FromBase64String(_key.Pkcs8V1).Length);
        Assert.Equal(83, Convert.FromBase64String(_key.Pkcs8V2).Length);
    }

    [Fact]
    public async Task A_v2_key_whose_public_key_does_not_match_is_rejected_without_registering()
    {
        string mismatched = _key.Pkcs8V2With(TestAgentKey.Create().PublicKey);
        using var provider = Provider(Jwt(c => c["agent_private_key"] = mismatched));

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());

        Assert.Equal(CodexAuthFailureReason.InvalidAgentIdentity, ex.Reason);
        Assert.Contains("does not match", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(mismatched, ex.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Registrations);
    }

    [Theory]
    [InlineData("not base64 at all!")]
    [InlineData("MC4CAQAwBQYDK2VwBCIEI")]
    [InlineData("MCowBQYDK2VwAyEAGb9ECWmEzf6FQbrBZ9w7lshQhqowtrbLDFw4rXAxZuE=")] // an SPKI public key, not PKCS#8
    public async Task Malformed_private_keys_are_rejected(string privateKey)
    {
        using var provider = Provider(Jwt(c => c["agent_private_key"] = privateKey));

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());

        Assert.Equal(CodexAuthFailureReason.InvalidAgentIdentity, ex.Reason);
        Assert.DoesNotContain(privateKey, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("expired")]
    [InlineData("iss")]
    [InlineData("aud")]
    [InlineData("no-exp")]
    public async Task Jwt_claims_are_checked(string fault)
    {
        string jwt = Jwt(c =>
        {
            switch (fault)
            {
                case "expired": c["exp"] = _time.GetUtcNow().AddSeconds(-1).ToUnixTimeSeconds(); break;
                case "iss": c["iss"] = "https://evil.example/agent-identity"; break;
                case "aud": c["aud"] = "someone-else"; break;
                case "no-exp": c.Remove("exp"); break;
            }
        });
        using var provider = Provider(jwt);

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());

        Assert.Equal(CodexAuthFailureReason.InvalidAgentIdentity, ex.Reason);
        Assert.DoesNotContain(jwt, ex.Message, StringComparison.Ordinal);
        Assert.Empty(_server.Registrations);
    }

    [Fact]
    public async Task An_identity_that_expires_while_the_process_runs_stops_producing_assertions()
    {
        using var provider = Provider(Jwt());
        await provider.GetHeadersAsync();

        _time.Advance(TimeSpan.FromMinutes(59));
        await provider.GetHeadersAsync();
        _time.Advance(TimeSpan.FromMinutes(1));
        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());

        Assert.Equal(CodexAuthFailureReason.InvalidAgentIdentity, ex.Reason);
        Assert.Contains("expired", ex.Message, StringComparison.Ordinal);
        Assert.Contains("CODEX_ACCESS_TOKEN", ex.Remediation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Audience_may_be_an_array_and_expiry_is_reported()
    {
        using var provider = Provider(Jwt(c => c["aud"] = new JsonArray("other", "codex-app-server")));

        AgentIdentityInfo info = await provider.GetIdentityAsync();

        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(s_start.AddHours(1).ToUnixTimeSeconds()), info.ExpiresAt);
    }

    [Fact]
    public async Task A_signature_by_a_key_not_in_the_set_is_rejected()
    {
        using var impostor = new TestJwtIssuer("kid-1");
        using var provider = Provider(Jwt(issuer: impostor));

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());

        Assert.Equal(CodexAuthFailureReason.InvalidAgentIdentity, ex.Reason);
        Assert.Contains("signature", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_kid_after_rotation_triggers_exactly_one_refetch()
    {
        using var rotated = new TestJwtIssuer("kid-2");
        _server.AfterJwksFetch = n =>
        {
            if (n == 1)
            {
                lock (_server.JwksKeys)
                {
                    _server.JwksKeys.Add(rotated);
                }
            }
        };

        // A first identity fills the cache with the old set; the rotated one is then found after one refetch.
        using var provider = Provider(Jwt(issuer: rotated));
        await provider.GetHeadersAsync();

        Assert.Equal(2, _server.JwksFetches.Count);
    }

    [Fact]
    public async Task A_kid_that_stays_unknown_is_not_refetched_on_every_request()
    {
        using var stranger = new TestJwtIssuer("kid-unknown");
        using var provider = Provider(Jwt(issuer: stranger));

        for (int i = 0; i < 3; i++)
        {
            var ex = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());
            Assert.Equal(CodexAuthFailureReason.InvalidAgentIdentity, ex.Reason);
            Assert.Contains("kid-unknown", ex.Message, StringComparison.Ordinal);
        }

        Assert.Equal(2, _server.JwksFetches.Count); // the first fetch and one refetch

        _time.Advance(TimeSpan.FromMinutes(2));
        await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());
        Assert.Equal(3, _server.JwksFetches.Count); // rotation is checked again after the cool-down
    }

    [Fact]
    public async Task Registration_request_is_exact_and_unauthenticated()
    {
        using var provider = Provider(Jwt(runtimeId: "rt_exact"));

        await provider.GetHeadersAsync();

        SeenRequest registration = Assert.Single(_server.Registrations);
        Assert.Equal("POST", registration.Method);
        Assert.Equal("/api/accounts/v1/agent/rt_exact/task/register", registration.Path);
        Assert.Empty(registration.HeaderValues("Authorization"));
        string signature = JsonNode.Parse(registration.Body)!["signature"]!.GetValue<string>();
        Assert.Equal("{\"timestamp\":\"2026-04-23T00:00:00Z\",\"signature\":\"" + signature + "\"}", registration.Body);
        Assert.True(_key.Verify(Encoding.UTF8.GetBytes("rt_exact:2026-04-23T00:00:00Z"), Convert.FromBase64String(signature)));
    }

    [Fact]
    public async Task Registration_retries_a_503_after_a_TimeProvider_delay()
    {
        var time = new SignalingTimeProvider(s_start);
        _server.RegistrationAnswers.Enqueue((503, """{"error":"unavailable"}"""));
        _server.DefaultRegistration = (200, """{"taskId":"task_after_retry"}""");
        using var provider = Provider(Jwt(), retryDelay: TimeSpan.FromSeconds(1), time: time);

        Task<AuthHeaders> headers = provider.GetHeadersAsync().AsTask();

        // The back-off has jitter: wait for the retry delay (not the 30 s attempt time limit) and advance by it.
        TimeSpan delay = await time.WaitForTimerAsync(d => d > TimeSpan.Zero && d < TimeSpan.FromSeconds(10));
        Assert.False(headers.IsCompleted);
        Assert.Single(_server.Registrations);
        time.Advance(delay);

        string expectedTimestamp = (s_start + delay).ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
        AssertAssertion(AuthorizationOf(await headers), _key, "rt_test", "task_after_retry", expectedTimestamp);
        Assert.Equal(2, _server.Registrations.Count);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(401)]
    [InlineData(404)]
    public async Task Registration_client_errors_fail_at_once(int status)
    {
        _server.DefaultRegistration = (status, """{"error":"bad_request"}""");
        using var provider = Provider(Jwt());

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());

        Assert.Equal(CodexAuthFailureReason.TaskRegistrationFailed, ex.Reason);
        Assert.Contains($"HTTP {status}", ex.Message, StringComparison.Ordinal);
        Assert.Single(_server.Registrations);
    }

    [Theory]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    public async Task Registration_gives_up_after_three_attempts(int status)
    {
        _server.DefaultRegistration = (status, "{}");
        using var provider = Provider(Jwt());

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());

        Assert.Equal(CodexAuthFailureReason.TaskRegistrationFailed, ex.Reason);
        Assert.Equal(3, _server.Registrations.Count);
    }

    [Fact]
    public async Task Registration_connection_errors_are_retried_and_reported()
    {
        // A port nothing listens on: every attempt is refused.
        int port = LoopbackPorts.Free();
        var options = new AgentIdentityProviderOptions
        {
            Identity = Jwt(),
            UseEnvironment = false,
            UseCredentialStore = false,
            JwksBaseUrl = _server.JwksBaseUrl,
            AuthApiBaseUrl = new Uri($"http://127.0.0.1:{port}/api/accounts"),
            RegistrationRetryDelay = TimeSpan.Zero,
        };
        using var provider = new AgentIdentityProvider(options, _http, _time, CodexEnvironment.FromValues(new Dictionary<string, string?>()));

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());

        Assert.Equal(CodexAuthFailureReason.TaskRegistrationFailed, ex.Reason);
        Assert.Contains("3 attempt", ex.Message, StringComparison.Ordinal);
        Assert.IsType<HttpRequestException>(ex.InnerException);
    }

    [Theory]
    [InlineData("encrypted_task_id")]
    [InlineData("encryptedTaskId")]
    public async Task Encrypted_task_ids_are_opened_with_the_agent_key(string field)
    {
        _server.DefaultRegistration = (200, new JsonObject { [field] = _key.SealForAgent("task_secret_42") }.ToJsonString());
        using var provider = Provider(Jwt());

        AuthHeaders headers = await provider.GetHeadersAsync();

        AssertAssertion(AuthorizationOf(headers), _key, "rt_test", "task_secret_42", "2026-04-23T00:00:00Z");
        Assert.Equal("task_secret_42", provider.Identity!.TaskId);
    }

    [Fact]
    public async Task A_task_id_sealed_for_another_key_fails_registration()
    {
        _server.DefaultRegistration = (200, new JsonObject { ["encrypted_task_id"] = TestAgentKey.Create().SealForAgent("task_x") }.ToJsonString());
        using var provider = Provider(Jwt());

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());

        Assert.Equal(CodexAuthFailureReason.TaskRegistrationFailed, ex.Reason);
    }

    [Fact]
    public async Task Concurrent_first_requests_share_one_registration()
    {
        _server.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var provider = Provider(Jwt());

        Task<AuthHeaders>[] calls = Enumerable.Range(0, 16).Select(_ => provider.GetHeadersAsync().AsTask()).ToArray();
        Assert.DoesNotContain(calls, c => c.IsCompleted);
        _server.Gate.SetResult();
        AuthHeaders[] results = await Task.WhenAll(calls);

        Assert.Single(_server.Registrations);
        Assert.Single(_server.JwksFetches);
        Assert.All(results, h => Assert.True(h.HasSameCredential(results[0])));
    }

    [Fact]
    public async Task A_failed_registration_is_retried_by_the_next_call()
    {
        _server.RegistrationAnswers.Enqueue((400, "{}"));
        using var provider = Provider(Jwt());

        await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());
        AuthHeaders headers = await provider.GetHeadersAsync();

        AssertAssertion(AuthorizationOf(headers), _key, "rt_test", "task_default", "2026-04-23T00:00:00Z");
        Assert.Equal(2, _server.Registrations.Count);
    }

    [Fact]
    public async Task Headers_are_reused_within_a_second_and_rebuilt_in_the_next()
    {
        using var provider = Provider(Jwt());
        AuthHeaders first = await provider.GetHeadersAsync();

        _time.Advance(TimeSpan.FromMilliseconds(700)); // 00:00:00.950
        AuthHeaders sameSecond = await provider.GetHeadersAsync();
        _time.Advance(TimeSpan.FromMilliseconds(100)); // 00:00:01.050
        AuthHeaders nextSecond = await provider.GetHeadersAsync();
        AuthHeaders nextSecondAgain = await provider.GetHeadersAsync();

        Assert.Same(first, sameSecond);
        Assert.NotSame(first, nextSecond);
        Assert.Same(nextSecond, nextSecondAgain);
        Assert.False(first.HasSameCredential(nextSecond));
        AssertAssertion(AuthorizationOf(first), _key, "rt_test", "task_default", "2026-04-23T00:00:00Z");
        AssertAssertion(AuthorizationOf(nextSecond), _key, "rt_test", "task_default", "2026-04-23T00:00:01Z");
        Assert.Single(_server.Registrations);
    }

    [Fact]
    public async Task Cached_headers_are_served_synchronously_without_allocating()
    {
        using var provider = Provider(Jwt());
        AuthHeaders expected = await provider.GetHeadersAsync();

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 1000; i++)
        {
            ValueTask<AuthHeaders> pending = provider.GetHeadersAsync();
            Assert.True(pending.IsCompletedSuccessfully);
            if (!ReferenceEquals(await pending, expected))
            {
                Assert.Fail("A different header set was returned within the same second.");
            }
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public async Task Slash_and_plus_are_not_escaped_in_the_envelope()
    {
        using var provider = Provider(Jwt(runtimeId: "agent/rt+1"));

        AuthHeaders headers = await provider.GetHeadersAsync();

        AssertAssertion(AuthorizationOf(headers), _key, "agent/rt+1", "task_default", "2026-04-23T00:00:00Z");
        Assert.Equal("/api/accounts/v1/agent/agent%2Frt+1/task/register" /* Kestrel decodes all but %2F */, Assert.Single(_server.Registrations).Path);
    }

    [Fact]
    public async Task CODEX_ACCESS_TOKEN_holding_a_JWT_is_used()
    {
        var env = CodexEnvironment.FromValues(new Dictionary<string, string?> { ["CODEX_ACCESS_TOKEN"] = "  " + Jwt() + "\n" });
        using var provider = Provider(environment: env);

        AgentIdentityInfo info = await provider.GetIdentityAsync();

        Assert.Equal("CODEX_ACCESS_TOKEN", info.Source);
        Assert.Equal("rt_test", info.AgentRuntimeId);
    }

    [Fact]
    public async Task A_personal_access_token_in_CODEX_ACCESS_TOKEN_falls_through_to_CODEX_AGENT_IDENTITY()
    {
        var env = CodexEnvironment.FromValues(new Dictionary<string, string?>
        {
            ["CODEX_ACCESS_TOKEN"] = "at-personal",
            ["CODEX_AGENT_IDENTITY"] = Jwt(runtimeId: "rt_legacy"),
        });
        using var provider = Provider(environment: env);

        AgentIdentityInfo info = await provider.GetIdentityAsync();

        Assert.Equal("CODEX_AGENT_IDENTITY", info.Source);
        Assert.Equal("rt_legacy", info.AgentRuntimeId);
    }

    [Fact]
    public async Task Auth_json_record_with_a_task_id_is_used_without_JWKS_or_registration_and_not_modified()
    {
        using var home = new TempDirectory();
        string json = $$"""
            {
              "auth_mode": "agentIdentity",
              "agent_identity": {
                "agent_runtime_id": "rt_record",
                "agent_private_key": "{{_key.Pkcs8V2}}",
                "account_id": "acct_record",
                "chatgpt_user_id": "user_record",
                "email": "",
                "plan_type": "enterprise",
                "chatgpt_account_is_fedramp": true,
                "task_id": "task_stored"
              }
            }
            """;
        File.WriteAllText(home.File("auth.json"), json);
        DateTime written = File.GetLastWriteTimeUtc(home.File("auth.json"));
        using var provider = Provider(store: new FileCredentialStore(home.Path));

        AuthHeaders headers = await provider.GetHeadersAsync();

        AssertAssertion(AuthorizationOf(headers), _key, "rt_record", "task_stored", "2026-04-23T00:00:00Z");
        Assert.Equal("acct_record", headers.AccountId);
        Assert.True(headers.IsFedRamp);
        AgentIdentityInfo info = provider.Identity!;
        Assert.Null(info.Email);
        Assert.Null(info.ExpiresAt);
        Assert.Equal("enterprise", info.PlanType);
        Assert.Empty(_server.Registrations);
        Assert.Empty(_server.JwksFetches);
        Assert.Equal(json, File.ReadAllText(home.File("auth.json")));
        Assert.Equal(written, File.GetLastWriteTimeUtc(home.File("auth.json")));
    }

    [Fact]
    public async Task Auth_json_JWT_string_is_verified_and_registered()
    {
        var store = new InMemoryCredentialStore(CodexAuthDocument.Parse(
            new JsonObject { ["auth_mode"] = "agentIdentity", ["agent_identity"] = Jwt() }.ToJsonString(), "memory"));
        using var provider = Provider(store: store);

        AgentIdentityInfo info = await provider.GetIdentityAsync();

        Assert.Equal("memory", info.Source);
        Assert.Equal("task_default", info.TaskId);
        Assert.Equal("agent@example.com", info.Email);
        Assert.Single(_server.JwksFetches);
        Assert.Single(_server.Registrations);
    }

    [Fact]
    public async Task No_identity_names_every_source_tried()
    {
        using var home = new TempDirectory();
        File.WriteAllText(home.File("auth.json"), """{"auth_mode":"apikey","OPENAI_API_KEY":"sk-x"}""");
        using var provider = Provider(environment: CodexEnvironment.FromValues(new Dictionary<string, string?> { ["CODEX_ACCESS_TOKEN"] = " " }), store: new FileCredentialStore(home.Path));

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());

        Assert.Equal(CodexAuthFailureReason.NotSignedIn, ex.Reason);
        Assert.Contains("CODEX_ACCESS_TOKEN", ex.Message, StringComparison.Ordinal);
        Assert.Contains("CODEX_AGENT_IDENTITY", ex.Message, StringComparison.Ordinal);
        Assert.Contains("auth.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Endpoint_overrides_come_from_the_environment_with_trailing_slashes_trimmed()
    {
        var env = CodexEnvironment.FromValues(new Dictionary<string, string?>
        {
            ["CODEX_AGENT_IDENTITY_JWKS_BASE_URL"] = "http://127.0.0.1:1234/backend-api/",
            ["CODEX_AGENT_IDENTITY_AUTHAPI_BASE_URL"] = "http://127.0.0.1:1234/api/accounts/",
        });
        using var overridden = new AgentIdentityProvider(new AgentIdentityProviderOptions(), _http, _time, env);
        using var defaults = new AgentIdentityProvider(new AgentIdentityProviderOptions(), _http, _time, CodexEnvironment.FromValues(new Dictionary<string, string?>()));

        Assert.Equal("http://127.0.0.1:1234/backend-api/wham/agent-identities/jwks", overridden.JwksUrl.AbsoluteUri);
        Assert.Equal(
            "http://127.0.0.1:1234/api/accounts/v1/agent/rt/task/register",
            AgentIdentityEndpoints.TaskRegistrationUrl(overridden.AuthApiBaseUrl, "rt").AbsoluteUri);
        Assert.Equal("https://chatgpt.com/backend-api/wham/agent-identities/jwks", defaults.JwksUrl.AbsoluteUri);
        Assert.Equal(
            new Uri("https://auth.openai.com/api/accounts/v1/agent/rt_1/task/register"),
            AgentIdentityEndpoints.TaskRegistrationUrl(AgentIdentityEndpoints.DefaultAuthApiBaseUrl, "rt_1"));
        Assert.Equal(
            new Uri("https://auth.openai.com/api/accounts/v1/user-auth-credential/whoami"),
            AgentIdentityEndpoints.WhoAmIUrl(AgentIdentityEndpoints.DefaultAuthApiBaseUrl));
        Assert.Equal("https://auth.openai.com/api/accounts", defaults.AuthApiBaseUrl.AbsoluteUri);
        Assert.Equal("https://chatgpt.com/backend-api/codex", defaults.BaseUrl.AbsoluteUri);
    }

    [Fact]
    public async Task Nothing_printable_contains_a_secret()
    {
        string jwt = Jwt();
        using var provider = Provider(jwt);
        AuthHeaders headers = await provider.GetHeadersAsync();
        string authorization = AuthorizationOf(headers);

        foreach (string text in new[] { provider.ToString(), provider.Identity!.ToString(), headers.ToString() })
        {
            Assert.DoesNotContain(jwt, text, StringComparison.Ordinal);
            Assert.DoesNotContain(_key.Pkcs8V1, text, StringComparison.Ordinal);
            Assert.DoesNotContain(authorization["AgentAssertion ".Length..], text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task End_to_end_through_CodexAuthHandler()
    {
        using var provider = Provider(Jwt(fedRamp: true));
        using var client = new HttpClient(new CodexAuthHandler(provider) { InnerHandler = new SocketsHttpHandler() });

        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_server.BackendBaseUrl + "/responses"));
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer caller-supplied");
        using HttpResponseMessage response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        SeenRequest seen = Assert.Single(_server.BackendRequests);
        AssertAssertion(Assert.Single(seen.HeaderValues("Authorization")), _key, "rt_test", "task_default", "2026-04-23T00:00:00Z");
        Assert.Equal(["acct_agent"], seen.HeaderValues("ChatGPT-Account-ID"));
        Assert.Equal(["true"], seen.HeaderValues("X-OpenAI-Fedramp"));
    }
}
