using Codex.Auth.ApiKeys;
using Codex.Auth.Tests.Infrastructure;

namespace Codex.Auth.Tests.ApiKeys;

public sealed class ApiKeyProviderTests : IDisposable
{
    private readonly TempDirectory _home = new();

    public void Dispose() => _home.Dispose();

    private CodexEnvironment Env(string? codexApiKey = null, string? openAiKey = null) =>
        CodexEnvironment.FromValues(new Dictionary<string, string?>
        {
            ["CODEX_HOME"] = _home.Path,
            ["CODEX_API_KEY"] = codexApiKey,
            ["OPENAI_API_KEY"] = openAiKey,
        });

    private void WriteAuthJson(string json) => File.WriteAllText(_home.File("auth.json"), json);

    private static async Task<string> Authorization(IAuthProvider provider)
    {
        AuthHeaders headers = await provider.GetHeadersAsync();
        using var request = new HttpRequestMessage();
        headers.ApplyTo(request.Headers);
        Assert.False(request.Headers.Contains("ChatGPT-Account-ID"));
        Assert.False(request.Headers.Contains("X-OpenAI-Fedramp"));
        return string.Join(",", request.Headers.GetValues("Authorization"));
    }

    [Fact]
    public async Task Explicit_key_wins_over_every_other_source()
    {
        WriteAuthJson("""{"auth_mode":"apikey","OPENAI_API_KEY":"sk-file"}""");
        var provider = new ApiKeyProvider(new ApiKeyProviderOptions { ApiKey = " sk-explicit " }, Env(codexApiKey: "sk-env"));

        Assert.Equal("Bearer sk-explicit", await Authorization(provider));
        Assert.Equal("options", provider.Source);
        Assert.Equal(new Uri("https://api.openai.com/v1"), provider.BaseUrl);
        Assert.False(provider.SupportsRecovery);
    }

    [Fact]
    public async Task CODEX_API_KEY_wins_over_the_store()
    {
        WriteAuthJson("""{"auth_mode":"apikey","OPENAI_API_KEY":"sk-file"}""");
        var provider = new ApiKeyProvider(new ApiKeyProviderOptions(), Env(codexApiKey: "  sk-env\n"));

        Assert.Equal("Bearer sk-env", await Authorization(provider));
        Assert.Equal("CODEX_API_KEY", provider.Source);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task Blank_values_count_as_absent(string blank)
    {
        WriteAuthJson("""{"auth_mode":"apikey","OPENAI_API_KEY":"sk-file"}""");
        var provider = new ApiKeyProvider(new ApiKeyProviderOptions { ApiKey = blank }, Env(codexApiKey: blank));

        Assert.Equal("Bearer sk-file", await Authorization(provider));
    }

    [Fact]
    public async Task Store_without_auth_mode_but_with_a_key_is_api_key_mode_even_with_tokens()
    {
        WriteAuthJson("""{"OPENAI_API_KEY":"sk-file","tokens":{"id_token":"a.b.c","access_token":"x","refresh_token":"y","account_id":"acct"}}""");
        var provider = new ApiKeyProvider(new ApiKeyProviderOptions(), Env());

        Assert.Equal("Bearer sk-file", await Authorization(provider));
    }

    [Fact]
    public async Task OPENAI_API_KEY_from_the_environment_is_used_only_when_opted_in()
    {
        var optedOut = new ApiKeyProvider(new ApiKeyProviderOptions(), Env(openAiKey: "sk-openai"));
        var optedIn = new ApiKeyProvider(new ApiKeyProviderOptions { UseOpenAIApiKeyEnvironmentVariable = true }, Env(openAiKey: "sk-openai"));

        await Assert.ThrowsAsync<CodexAuthException>(() => optedOut.GetHeadersAsync().AsTask());
        Assert.Equal("Bearer sk-openai", await Authorization(optedIn));
    }

    [Fact]
    public async Task ChatGpt_mode_store_gives_a_not_signed_in_error_that_names_every_source()
    {
        WriteAuthJson("""{"auth_mode":"chatgpt","OPENAI_API_KEY":null,"tokens":{"id_token":"a.b.c","access_token":"x","refresh_token":"y"},"last_refresh":"2026-01-01T00:00:00Z"}""");
        var provider = new ApiKeyProvider(new ApiKeyProviderOptions(), Env());

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());

        Assert.Equal(CodexAuthFailureReason.NotSignedIn, ex.Reason);
        Assert.Contains("CODEX_API_KEY", ex.Message, StringComparison.Ordinal);
        Assert.Contains(_home.File("auth.json"), ex.Message, StringComparison.Ordinal);
        Assert.Contains("codex login --with-api-key", ex.Remediation, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_store_is_a_typed_error_and_is_left_untouched()
    {
        const string broken = "{\"auth_mode\":\"apikey\",\"OPENAI_API_KEY\":\"sk-secret-in-broken-file\"";
        WriteAuthJson(broken);
        DateTime before = File.GetLastWriteTimeUtc(_home.File("auth.json"));
        var provider = new ApiKeyProvider(new ApiKeyProviderOptions(), Env());

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());

        Assert.Equal(CodexAuthFailureReason.MalformedStore, ex.Reason);
        Assert.Contains(_home.File("auth.json"), ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-secret", ex.Message, StringComparison.Ordinal);
        Assert.Equal(broken, File.ReadAllText(_home.File("auth.json")));
        Assert.Equal(before, File.GetLastWriteTimeUtc(_home.File("auth.json")));
    }

    [Fact]
    public async Task A_CODEX_HOME_that_does_not_exist_is_named_in_the_error()
    {
        string missing = Path.Combine(_home.Path, "nope");
        var env = CodexEnvironment.FromValues(new Dictionary<string, string?> { ["CODEX_HOME"] = missing });
        var provider = new ApiKeyProvider(new ApiKeyProviderOptions(), env);

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());

        Assert.Equal(CodexAuthFailureReason.StoreUnavailable, ex.Reason);
        Assert.Contains(missing, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_key_is_resolved_once_and_the_same_headers_are_reused()
    {
        WriteAuthJson("""{"auth_mode":"apikey","OPENAI_API_KEY":"sk-1"}""");
        var provider = new ApiKeyProvider(new ApiKeyProviderOptions(), Env());

        AuthHeaders first = await provider.GetHeadersAsync();
        WriteAuthJson("""{"auth_mode":"apikey","OPENAI_API_KEY":"sk-2"}""");
        AuthHeaders second = await provider.GetHeadersAsync();

        Assert.Same(first, second);
        Assert.True(provider.GetHeadersAsync().IsCompletedSuccessfully);
    }

    [Fact]
    public async Task ToString_never_shows_the_key()
    {
        var provider = ApiKeyProvider.FromKey("sk-very-secret-value");
        await provider.GetHeadersAsync();

        Assert.DoesNotContain("sk-very-secret-value", provider.ToString(), StringComparison.Ordinal);
        Assert.False(await provider.RecoverAsync(await provider.GetHeadersAsync()));
    }
}
