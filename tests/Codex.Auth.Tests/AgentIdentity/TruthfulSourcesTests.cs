using Codex.Auth.AgentIdentity;
using Codex.Auth.ApiKeys;
using Codex.Auth.Resolution;
using Codex.Auth.Testing;

namespace Codex.Auth.Tests.AgentIdentity;

/// <summary>PROTOCOL §5–§6 details: JWKS path rule, blank task ids, whoami base from the environment, messages naming the real source.</summary>
public sealed class TruthfulSourcesTests
{
    [Theory]
    [InlineData("https://chatgpt.com/backend-api", "https://chatgpt.com/backend-api/wham/agent-identities/jwks")]
    [InlineData("https://chatgpt.com/backend-api/", "https://chatgpt.com/backend-api/wham/agent-identities/jwks")]
    [InlineData("https://gateway.example/codex/backend-api/v2", "https://gateway.example/codex/backend-api/v2/wham/agent-identities/jwks")]
    [InlineData("https://keys.example", "https://keys.example/agent-identities/jwks")]
    [InlineData("https://keys.example/wham/", "https://keys.example/wham/agent-identities/jwks")]
    public void JWKS_path_depends_on_whether_the_base_contains_backend_api(string baseUrl, string expected) =>
        Assert.Equal(expected, AgentIdentityEndpoints.JwksUrl(new Uri(baseUrl)).AbsoluteUri);

    [Fact]
    public void A_blank_task_id_counts_as_absent()
    {
        string record = $$"""{"agent_runtime_id":"agrt_1","agent_private_key":"{{TestKey()}}","account_id":"acct_1","task_id":"   "}""";

        UnverifiedAgentIdentity identity = AgentIdentityClaims.ReadUnverified(record, "test");
        CodexAuthException missing = Assert.Throws<CodexAuthException>(() => AgentIdentityClaims.ReadUnverified("""{"agent_runtime_id":"agrt_1","account_id":"acct_1"}""", "CODEX_ACCESS_TOKEN"));

        Assert.Equal("acct_1", identity.AccountId);
        Assert.Equal(CodexAuthFailureReason.InvalidAgentIdentity, missing.Reason);
        Assert.Contains("from CODEX_ACCESS_TOKEN", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_blank_task_id_in_a_record_is_registered_afresh()
    {
        await using FakeCodexServer server = await FakeCodexServer.StartAsync();
        FakeAgentRuntime runtime = server.CreateAgentRuntime("acct_blank");
        string record = $$"""{"agent_runtime_id":"{{runtime.AgentRuntimeId}}","agent_private_key":"{{runtime.PrivateKeyPkcs8V1}}","account_id":"acct_blank","task_id":" "}""";
        using var provider = new AgentIdentityProvider(
            new AgentIdentityProviderOptions
            {
                Identity = record,
                UseEnvironment = false,
                UseCredentialStore = false,
                JwksBaseUrl = new Uri(server.BaseAddress, "backend-api"),
                AuthApiBaseUrl = new Uri(server.IssuerString + "/api/accounts"),
            },
            null,
            TimeProvider.System,
            CodexEnvironment.FromValues(new Dictionary<string, string?>()));

        AgentIdentityInfo info = await provider.GetIdentityAsync();

        Assert.Single(server.AgentTasks(runtime.AgentRuntimeId));
        Assert.False(string.IsNullOrWhiteSpace(info.TaskId));
    }

    [Fact]
    public async Task Offline_claims_of_a_JWT_include_account_plan_and_fedramp()
    {
        await using FakeCodexServer server = await FakeCodexServer.StartAsync();
        FakeAgentRuntime runtime = server.CreateAgentRuntime("acct_fed", plan: "enterprise", isFedRamp: true);

        UnverifiedAgentIdentity identity = AgentIdentityClaims.ReadUnverified(runtime.IdentityJwt, "CODEX_ACCESS_TOKEN");

        Assert.Equal(runtime.AgentRuntimeId, identity.AgentRuntimeId);
        Assert.Equal("acct_fed", identity.AccountId);
        Assert.Equal("enterprise", identity.PlanType);
        Assert.True(identity.IsFedRamp);
        Assert.NotNull(identity.ExpiresAt);
        Assert.DoesNotContain(runtime.PrivateKeyPkcs8V1, identity.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Errors_name_the_environment_variable_the_identity_came_from()
    {
        var environment = CodexEnvironment.FromValues(new Dictionary<string, string?> { ["CODEX_ACCESS_TOKEN"] = "not-a-jwt" });
        ResolvedCredential credential = new CodexCredentialResolver(environment).Resolve();
        using var disposable = (IDisposable)credential.Provider;

        CodexAuthException error = await Assert.ThrowsAsync<CodexAuthException>(async () => await credential.Provider.GetHeadersAsync());

        Assert.Equal("CODEX_ACCESS_TOKEN", credential.Source);
        Assert.Contains("from CODEX_ACCESS_TOKEN", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("from options", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-jwt", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("CODEX_AUTHAPI_BASE_URL")]
    [InlineData("CODEX_AGENT_IDENTITY_AUTHAPI_BASE_URL")]
    public void The_whoami_base_is_overridable_from_the_environment(string variable)
    {
        var environment = CodexEnvironment.FromValues(new Dictionary<string, string?> { [variable] = "http://127.0.0.1:4321/api/accounts" });

        using var fromEnvironment = new PersonalAccessTokenProvider(new PersonalAccessTokenProviderOptions { Token = "at-x" }, environment: environment);
        using var explicitBase = new PersonalAccessTokenProvider(new PersonalAccessTokenProviderOptions { Token = "at-x", AuthApiBaseUrl = new Uri("https://accounts.example/api/accounts") }, environment: environment);
        using var defaults = new PersonalAccessTokenProvider(new PersonalAccessTokenProviderOptions { Token = "at-x" }, environment: CodexEnvironment.FromValues(new Dictionary<string, string?>()));

        Assert.Equal("http://127.0.0.1:4321/api/accounts/v1/user-auth-credential/whoami", fromEnvironment.WhoAmIUrl.AbsoluteUri);
        Assert.Equal("https://accounts.example/api/accounts/v1/user-auth-credential/whoami", explicitBase.WhoAmIUrl.AbsoluteUri);
        Assert.Equal("https://auth.openai.com/api/accounts/v1/user-auth-credential/whoami", defaults.WhoAmIUrl.AbsoluteUri);
    }

    private static string TestKey()
    {
        // A 48-byte PKCS#8 v1 Ed25519 private key (fixed seed), standard base64.
        byte[] prefix = [0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20];
        return Convert.ToBase64String([.. prefix, .. Enumerable.Range(1, 32).Select(i => (byte)i)]);
    }
}
