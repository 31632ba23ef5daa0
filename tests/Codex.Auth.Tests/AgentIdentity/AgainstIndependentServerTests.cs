using System.Net;
using Codex.Auth.AgentIdentity;
using Codex.Auth.ApiKeys;
using Codex.Auth.Http;
using Codex.Auth.Storage;
using Codex.Auth.Testing;
using Codex.Auth.Tests.Infrastructure;

namespace Codex.Auth.Tests.AgentIdentity;

/// <summary>
/// End to end against Codex.Auth.Testing, whose JWT minting, JWKS, Ed25519 checks and sealed boxes are an independent
/// implementation (it does not reference the library): a matching bug on both sides cannot hide here.
/// </summary>
public sealed class AgainstIndependentServerTests : IAsyncLifetime
{
    private FakeCodexServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeCodexServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private Uri JwksBase => new(_server.ChatGptBaseUrl.AbsoluteUri.TrimEnd('/'));

    private Uri AuthApiBase => new(_server.BaseAddress, "api/accounts");

    private HttpClient Client(IAuthProvider provider) =>
        new(new CodexAuthHandler(provider) { InnerHandler = new SocketsHttpHandler() }) { BaseAddress = new Uri(_server.CodexBaseUrl.AbsoluteUri + "/") };

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public async Task An_agent_identity_jwt_registers_a_task_and_its_assertions_are_accepted(bool encryptTaskId, bool v2Key)
    {
        FakeAgentRuntime agent = _server.CreateAgentRuntime(accountId: "acct_agent", isFedRamp: true, encryptTaskId: encryptTaskId);
        using var provider = new AgentIdentityProvider(
            new AgentIdentityProviderOptions
            {
                Identity = agent.MintIdentityJwt(embedV2Key: v2Key),
                UseEnvironment = false,
                UseCredentialStore = false,
                JwksBaseUrl = JwksBase,
                AuthApiBaseUrl = AuthApiBase,
                BaseUrl = _server.CodexBaseUrl,
            });
        using HttpClient client = Client(provider);

        using HttpResponseMessage first = await client.PostAsync("responses", new StringContent("""{"input":"hi"}"""));
        using HttpResponseMessage second = await client.GetAsync("models");

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        RecordedRequest seen = _server.RequestsTo("/backend-api/codex/models").Single();
        Assert.StartsWith("AgentAssertion ", seen.Header("Authorization"), StringComparison.Ordinal);
        Assert.Equal("acct_agent", seen.Header("ChatGPT-Account-ID"));
        Assert.Equal("true", seen.Header("X-OpenAI-Fedramp"));
        Assert.Single(_server.AgentTasks(agent.AgentRuntimeId));
        Assert.Single(_server.Requests, r => r.Path.EndsWith("/task/register", StringComparison.Ordinal));
        AgentIdentityInfo info = await provider.GetIdentityAsync();
        Assert.Equal(_server.AgentTasks(agent.AgentRuntimeId).Single(), info.TaskId);
    }

    [Fact]
    public async Task An_agent_identity_jwt_in_auth_json_is_verified_against_the_servers_jwks_and_the_file_is_left_alone()
    {
        FakeAgentRuntime agent = _server.CreateAgentRuntime(accountId: "acct_record");
        using var home = new TempDirectory();
        File.WriteAllText(home.File("auth.json"), agent.ToAuthJson());
        string before = File.ReadAllText(home.File("auth.json"));
        using var provider = new AgentIdentityProvider(
            new AgentIdentityProviderOptions { UseEnvironment = false, CredentialStore = new FileCredentialStore(home.Path), JwksBaseUrl = JwksBase, AuthApiBaseUrl = AuthApiBase, BaseUrl = _server.CodexBaseUrl });
        using HttpClient client = Client(provider);

        using HttpResponseMessage response = await client.GetAsync("models");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(_server.RequestsTo("/backend-api/wham/agent-identities/jwks"));
        Assert.Equal(before, File.ReadAllText(home.File("auth.json")));
    }

    [Fact]
    public async Task A_personal_access_token_is_looked_up_once_and_accepted()
    {
        string pat = _server.CreatePersonalAccessToken(accountId: "acct_pat", isFedRamp: false);
        using var provider = new PersonalAccessTokenProvider(
            new PersonalAccessTokenProviderOptions { Token = pat, UseEnvironment = false, UseCredentialStore = false, AuthApiBaseUrl = AuthApiBase, BaseUrl = _server.CodexBaseUrl });
        using HttpClient client = Client(provider);

        for (int i = 0; i < 3; i++)
        {
            using HttpResponseMessage response = await client.GetAsync("models");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Single(_server.RequestsTo("/api/accounts/v1/user-auth-credential/whoami"));
        Assert.All(_server.RequestsTo("/backend-api/codex/models"), r => Assert.Equal("acct_pat", r.Header("ChatGPT-Account-ID")));
    }
}
