using Codex.Auth.ApiKeys;
using Codex.Auth.ChatGpt;
using Codex.Auth.Resolution;
using Codex.Auth.Testing;
using Codex.Auth.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Codex.Auth.Tests.Resolution;

public sealed class CodexCredentialResolverTests : IDisposable
{
    private readonly TempDirectory _home = new();

    public void Dispose() => _home.Dispose();

    private CodexCredentialResolver Resolver(params (string Name, string? Value)[] vars)
    {
        var values = vars.ToDictionary(v => v.Name, v => v.Value);
        values["CODEX_HOME"] = _home.Path;
        return new CodexCredentialResolver(CodexEnvironment.FromValues(values));
    }

    private const string ChatGptJson = """
        {"auth_mode":"chatgpt","OPENAI_API_KEY":null,"tokens":{"id_token":"","access_token":"opaque-at","refresh_token":"rt","account_id":"acct_1"},"last_refresh":"2026-11-24T00:00:00Z"}
        """;

    [Fact]
    public void CODEX_API_KEY_wins_over_the_store_and_points_at_the_openai_api()
    {
        File.WriteAllText(_home.File("auth.json"), ChatGptJson);

        ResolvedCredential resolved = Resolver(("CODEX_API_KEY", " sk-env ")).Resolve();

        Assert.IsType<ApiKeyProvider>(resolved.Provider);
        Assert.Equal(CodexCredentialSource.ApiKey, resolved.Kind);
        Assert.Equal("CODEX_API_KEY", resolved.Source);
        Assert.Equal(new Uri("https://api.openai.com/v1"), resolved.BaseUrl);
    }

    [Fact]
    public void A_chatgpt_store_resolves_to_the_token_provider_on_the_chatgpt_backend()
    {
        File.WriteAllText(_home.File("auth.json"), ChatGptJson);

        ResolvedCredential resolved = Resolver(("CODEX_API_KEY", "   ")).Resolve();

        using var provider = Assert.IsType<ChatGptTokenProvider>(resolved.Provider);
        Assert.Equal(CodexCredentialSource.ChatGpt, resolved.Kind);
        Assert.Equal(new Uri("https://chatgpt.com/backend-api/codex"), resolved.BaseUrl);
        Assert.Equal(ChatGptJson, File.ReadAllText(_home.File("auth.json")));
    }

    [Theory]
    [InlineData("CODEX_ACCESS_TOKEN", "at-personal-token", typeof(PersonalAccessTokenProvider), CodexCredentialSource.PersonalAccessToken)]
    [InlineData("CODEX_ACCESS_TOKEN", "eyJhbGciOiJSUzI1NiJ9.e30.sig", typeof(Codex.Auth.AgentIdentity.AgentIdentityProvider), CodexCredentialSource.AgentIdentity)]
    [InlineData("CODEX_AGENT_IDENTITY", "eyJhbGciOiJSUzI1NiJ9.e30.sig", typeof(Codex.Auth.AgentIdentity.AgentIdentityProvider), CodexCredentialSource.AgentIdentity)]
    public void CODEX_ACCESS_TOKEN_comes_after_CODEX_API_KEY_and_before_the_store(string variable, string value, Type providerType, CodexCredentialSource kind)
    {
        File.WriteAllText(_home.File("auth.json"), ChatGptJson);

        ResolvedCredential resolved = Resolver((variable, value)).Resolve();
        ResolvedCredential apiKeyFirst = Resolver((variable, value), ("CODEX_API_KEY", "sk-1")).Resolve();

        Assert.IsType(providerType, resolved.Provider);
        Assert.Equal(kind, resolved.Kind);
        Assert.Equal(variable, resolved.Source);
        Assert.Equal(new Uri("https://chatgpt.com/backend-api/codex"), resolved.BaseUrl);
        Assert.Equal(CodexCredentialSource.ApiKey, apiKeyFirst.Kind);
        ((IDisposable)resolved.Provider).Dispose();
    }

    [Theory]
    [InlineData("""{"auth_mode":"personalAccessToken","OPENAI_API_KEY":null,"personal_access_token":"at-x"}""", CodexCredentialSource.PersonalAccessToken)]
    [InlineData("""{"personal_access_token":"at-x"}""", CodexCredentialSource.PersonalAccessToken)]
    [InlineData("""{"auth_mode":"agentIdentity","agent_identity":"a.b.c"}""", CodexCredentialSource.AgentIdentity)]
    public void Agent_modes_in_the_store_resolve_by_mode(string json, CodexCredentialSource kind)
    {
        File.WriteAllText(_home.File("auth.json"), json);
        ResolvedCredential resolved = Resolver().Resolve();
        Assert.Equal(kind, resolved.Kind);
        Assert.Equal(_home.File("auth.json"), resolved.Source);
        ((IDisposable)resolved.Provider).Dispose();
    }

    [Fact]
    public void An_api_key_mode_store_resolves_to_the_api_key()
    {
        File.WriteAllText(_home.File("auth.json"), """{"auth_mode":"apikey","OPENAI_API_KEY":"sk-file"}""");
        ResolvedCredential resolved = Resolver().Resolve();
        Assert.Equal(CodexCredentialSource.ApiKey, resolved.Kind);
        Assert.Equal(_home.File("auth.json"), resolved.Source);
    }

    [Fact]
    public void OPENAI_API_KEY_is_used_only_when_opted_in_and_after_the_store()
    {
        var resolver = Resolver(("OPENAI_API_KEY", "sk-openai"));
        Assert.Throws<CodexAuthException>(() => resolver.Resolve());
        ResolvedCredential resolved = resolver.Resolve(new CodexCredentialResolverOptions { UseOpenAIApiKeyEnvironmentVariable = true });
        Assert.Equal("OPENAI_API_KEY", resolved.Source);

        File.WriteAllText(_home.File("auth.json"), ChatGptJson);
        ResolvedCredential store = resolver.Resolve(new CodexCredentialResolverOptions { UseOpenAIApiKeyEnvironmentVariable = true });
        Assert.Equal(CodexCredentialSource.ChatGpt, store.Kind);
        ((IDisposable)store.Provider).Dispose();
    }

    [Fact]
    public void Nothing_found_names_every_source_and_the_command_for_each()
    {
        var ex = Assert.Throws<CodexAuthException>(() => Resolver(("CODEX_API_KEY", ""), ("CODEX_ACCESS_TOKEN", " ")).Resolve());

        Assert.Equal(CodexAuthFailureReason.NotSignedIn, ex.Reason);
        Assert.Contains("CODEX_API_KEY", ex.Message, StringComparison.Ordinal);
        Assert.Contains("CODEX_ACCESS_TOKEN", ex.Message, StringComparison.Ordinal);
        Assert.Contains(_home.File("auth.json"), ex.Message, StringComparison.Ordinal);
        Assert.Contains("codex login --device-auth", ex.Message, StringComparison.Ordinal);
        Assert.Contains("codex login --with-api-key", ex.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_home.File("auth.json")));
    }

    [Fact]
    public void A_chatgpt_store_without_last_refresh_is_not_a_credential()
    {
        File.WriteAllText(_home.File("auth.json"), """{"auth_mode":"chatgpt","tokens":{"id_token":"","access_token":"a","refresh_token":"r"}}""");
        var ex = Assert.Throws<CodexAuthException>(() => Resolver().Resolve());
        Assert.Contains("without usable credentials", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddCodexAuth_with_auto_uses_the_chatgpt_sign_in_end_to_end()
    {
        await using FakeCodexServer server = await FakeCodexServer.StartAsync();
        FakeSignIn signIn = server.SignIn(accountId: "acct_di");
        File.WriteAllText(_home.File("auth.json"), signIn.ToAuthJson(DateTimeOffset.UtcNow));
        var services = new ServiceCollection();
        services.AddSingleton(CodexEnvironment.FromValues(new Dictionary<string, string?> { ["CODEX_HOME"] = _home.Path }));
        services.AddHttpClient("codex", c => c.BaseAddress = new Uri(server.CodexBaseUrl.AbsoluteUri + "/")).AddCodexAuth();
        await using ServiceProvider sp = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        Assert.IsType<ChatGptTokenProvider>(sp.GetRequiredService<IAuthProvider>());
        using HttpResponseMessage response = await sp.GetRequiredService<IHttpClientFactory>().CreateClient("codex").GetAsync("models");

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("acct_di", server.RequestsTo("/backend-api/codex/models").Single().Header("ChatGPT-Account-ID"));
    }
}
