using System.Net;
using Codex.Auth.ApiKeys;
using Codex.Auth.Http;
using Codex.Auth.Storage;
using Codex.Auth.Tests.AgentIdentity;
using Codex.Auth.Tests.Infrastructure;

namespace Codex.Auth.Tests.ApiKeys;

public sealed class PersonalAccessTokenProviderTests : IAsyncLifetime
{
    private const string Token = "at-test-token-123";

    private readonly HttpClient _http = new();
    private FakeAgentServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeAgentServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _http.Dispose();
    }

    private PersonalAccessTokenProvider Provider(string? token = Token, CodexEnvironment? environment = null, ICodexCredentialStore? store = null) =>
        new(
            new PersonalAccessTokenProviderOptions
            {
                Token = token,
                UseEnvironment = environment is not null,
                UseCredentialStore = store is not null,
                CredentialStore = store,
                AuthApiBaseUrl = new Uri(_server.BaseAddress, "api/accounts"),
                BaseUrl = _server.BackendBaseUrl,
            },
            _http,
            environment ?? CodexEnvironment.FromValues(new Dictionary<string, string?>()));

    private static HttpRequestMessage Applied(AuthHeaders headers)
    {
        var request = new HttpRequestMessage();
        headers.ApplyTo(request.Headers);
        return request;
    }

    [Fact]
    public async Task Whoami_supplies_the_account_and_headers_carry_the_bearer_token()
    {
        using var provider = Provider();

        AuthHeaders headers = await provider.GetHeadersAsync();

        using HttpRequestMessage request = Applied(headers);
        Assert.Equal("Bearer " + Token, request.Headers.GetValues("Authorization").Single());
        Assert.Equal("acct_pat", request.Headers.GetValues("ChatGPT-Account-ID").Single());
        Assert.False(request.Headers.Contains("X-OpenAI-Fedramp"));
        SeenRequest whoami = Assert.Single(_server.WhoAmIs);
        Assert.Equal("GET", whoami.Method);
        Assert.Equal(["Bearer " + Token], whoami.HeaderValues("Authorization"));
        Assert.False(provider.SupportsRecovery);
        Assert.False(await provider.RecoverAsync(headers));
        PersonalAccessTokenInfo info = provider.Identity!;
        Assert.Equal(new PersonalAccessTokenInfo("acct_pat", "user_pat", "pat@example.com", "plus", false, headers.Fingerprint, "options"), info);
    }

    [Fact]
    public async Task FedRAMP_accounts_get_the_FedRAMP_header_and_blank_email_is_none()
    {
        _server.WhoAmI = (200, """{"email":"","chatgpt_user_id":"u","chatgpt_account_id":"acct_fed","chatgpt_plan_type":"enterprise","chatgpt_account_is_fedramp":true}""");
        using var provider = Provider();

        using HttpRequestMessage request = Applied(await provider.GetHeadersAsync());

        Assert.Equal("true", request.Headers.GetValues("X-OpenAI-Fedramp").Single());
        Assert.Null((await provider.GetIdentityAsync()).Email);
    }

    [Fact]
    public async Task Many_requests_and_concurrent_first_calls_share_one_whoami()
    {
        _server.Gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var provider = Provider();

        Task<AuthHeaders>[] first = Enumerable.Range(0, 16).Select(_ => provider.GetHeadersAsync().AsTask()).ToArray();
        Assert.DoesNotContain(first, c => c.IsCompleted);
        _server.Gate.SetResult();
        AuthHeaders[] results = await Task.WhenAll(first);
        for (int i = 0; i < 100; i++)
        {
            ValueTask<AuthHeaders> cached = provider.GetHeadersAsync();
            Assert.True(cached.IsCompletedSuccessfully);
            Assert.Same(results[0], await cached);
        }

        Assert.Single(_server.WhoAmIs);
        Assert.All(results, h => Assert.Same(results[0], h));
    }

    [Fact]
    public async Task A_rejected_token_is_Unauthorized_with_a_remediation_and_no_secret()
    {
        _server.WhoAmI = (401, """{"error":"invalid_token"}""");
        using var provider = Provider();

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());

        Assert.Equal(CodexAuthFailureReason.Unauthorized, ex.Reason);
        Assert.Contains("new personal access token", ex.Remediation, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Token, provider.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failed_lookup_is_typed_and_the_next_call_tries_again()
    {
        // A status that is not retried (transient ones are, by the back channel, whose retries are tested there).
        _server.WhoAmI = (404, "{}");
        using var provider = Provider();

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());
        Assert.Equal(CodexAuthFailureReason.AccountLookupFailed, ex.Reason);

        _server.WhoAmI = (200, """{"chatgpt_account_id":"acct_later"}""");
        Assert.Equal("acct_later", (await provider.GetHeadersAsync()).AccountId);
        Assert.Equal(2, _server.WhoAmIs.Count);
    }

    [Fact]
    public async Task A_response_without_an_account_is_rejected()
    {
        _server.WhoAmI = (200, """{"chatgpt_user_id":"u"}""");
        using var provider = Provider();

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());

        Assert.Equal(CodexAuthFailureReason.AccountLookupFailed, ex.Reason);
    }

    [Fact]
    public async Task CODEX_ACCESS_TOKEN_with_at_prefix_is_used_and_a_JWT_there_is_not()
    {
        var pat = CodexEnvironment.FromValues(new Dictionary<string, string?> { ["CODEX_ACCESS_TOKEN"] = " at-from-env " });
        var jwt = CodexEnvironment.FromValues(new Dictionary<string, string?> { ["CODEX_ACCESS_TOKEN"] = "eyJhbGciOiJSUzI1NiJ9.e30.c2ln" });
        using var fromEnv = Provider(token: null, environment: pat);
        using var notPat = Provider(token: null, environment: jwt);

        Assert.Equal("CODEX_ACCESS_TOKEN", (await fromEnv.GetIdentityAsync()).Source);
        Assert.Equal(["Bearer at-from-env"], Assert.Single(_server.WhoAmIs).HeaderValues("Authorization"));
        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => notPat.GetHeadersAsync().AsTask());
        Assert.Equal(CodexAuthFailureReason.NotSignedIn, ex.Reason);
        Assert.True(PersonalAccessTokenProvider.IsPersonalAccessToken(" at-x"));
        Assert.False(PersonalAccessTokenProvider.IsPersonalAccessToken("eyJ.x.y"));
    }

    [Fact]
    public async Task Auth_json_in_personal_access_token_mode_is_read_and_not_modified()
    {
        using var home = new TempDirectory();
        string json = """{"auth_mode":"personalAccessToken","personal_access_token":"at-from-file"}""";
        File.WriteAllText(home.File("auth.json"), json);
        using var provider = Provider(token: null, store: new FileCredentialStore(home.Path));

        await provider.GetHeadersAsync();

        Assert.Equal(["Bearer at-from-file"], Assert.Single(_server.WhoAmIs).HeaderValues("Authorization"));
        Assert.Equal(home.File("auth.json"), provider.Identity!.Source);
        Assert.Equal(json, File.ReadAllText(home.File("auth.json")));
    }

    [Fact]
    public void The_token_is_never_sent_to_a_plain_http_non_loopback_host()
    {
        var ex = Assert.Throws<CodexAuthException>(() => new PersonalAccessTokenProvider(
            new PersonalAccessTokenProviderOptions { Token = Token, UseEnvironment = false, UseCredentialStore = false, AuthApiBaseUrl = new Uri("http://auth.example.com") },
            _http));

        Assert.Equal(CodexAuthFailureReason.InsecureTransport, ex.Reason);
        Assert.Empty(_server.WhoAmIs);
    }

    [Fact]
    public async Task End_to_end_through_CodexAuthHandler()
    {
        using var provider = Provider();
        using var client = new HttpClient(new CodexAuthHandler(provider) { InnerHandler = new SocketsHttpHandler() });

        for (int i = 0; i < 3; i++)
        {
            using HttpResponseMessage response = await client.GetAsync(new Uri(_server.BackendBaseUrl + "/models"));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(3, _server.BackendRequests.Count);
        Assert.All(_server.BackendRequests, seen =>
        {
            Assert.Equal(["Bearer " + Token], seen.HeaderValues("Authorization"));
            Assert.Equal(["acct_pat"], seen.HeaderValues("ChatGPT-Account-ID"));
        });
        Assert.Single(_server.WhoAmIs);
    }
}
