using Codex.Auth.Proxy.Tests.Infrastructure;

namespace Codex.Auth.Proxy.Tests;

public sealed class StartFailureTests
{
    [Fact]
    public async Task Missing_host_credentials_fail_at_start_with_the_command_to_run()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync(writeAuthJson: false);

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => fx.StartProxyAsync(forward: true));

        Assert.Equal(CodexAuthFailureReason.NotSignedIn, ex.Reason);
        Assert.Contains("codex login", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_key_mode_fails_at_start_for_the_chatgpt_route()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync(writeAuthJson: false);
        File.WriteAllText(fx.AuthPath, """{"auth_mode":"apikey","OPENAI_API_KEY":"sk-host-secret-987"}""");

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => fx.StartProxyAsync(forward: true));

        Assert.Equal(CodexAuthFailureReason.UnsupportedMode, ex.Reason);
        Assert.Contains("codex login", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-host-secret-987", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("""{"auth_mode":"chatgpt","tokens":"nope","last_refresh":"2026-01-01T00:00:00Z"}""")]
    public async Task Malformed_host_credentials_fail_at_start(string json)
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync(writeAuthJson: false);
        File.WriteAllText(fx.AuthPath, json);

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => fx.StartProxyAsync(forward: true));

        Assert.Equal(CodexAuthFailureReason.MalformedStore, ex.Reason);
        Assert.Contains("codex login", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Expired_host_credentials_that_cannot_be_renewed_fail_at_start()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        fx.Time.Advance(TimeSpan.FromHours(2));
        fx.Server.TokenFaults.RefreshTokenExpired();

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => fx.StartProxyAsync(forward: true));

        Assert.True(ex.RequiresSignIn);
        Assert.Contains("codex login", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(fx.SignIn.RefreshToken, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Expired_host_credentials_that_can_be_renewed_are_refreshed_at_start()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        fx.Time.Advance(TimeSpan.FromHours(2));

        await fx.StartProxyAsync(forward: true);

        Assert.Equal(1, fx.Server.TokenRefreshCount);
    }

    [Fact]
    public async Task Transparent_mode_needs_no_host_credentials()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync(writeAuthJson: false);

        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: false);

        Assert.Equal("http", proxy.Address.Scheme);
    }

    [Fact]
    public async Task A_host_supplied_credential_is_used()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync(writeAuthJson: false);
        fx.Server.AddApiKey("sk-supplied-1234");
        var provider = Codex.Auth.ApiKeys.ApiKeyProvider.FromKey("sk-supplied-1234");
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true, o =>
        {
            o.HostCredential = new Codex.Auth.Resolution.ResolvedCredential(provider, CodexCredentialSource.ApiKey, "test");
            o.AllowApiKeyHostCredential = true;
        });

        using var response = await fx.Client(proxy).GetAsync("v1/models");

        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Bearer sk-supplied-1234", Assert.Single(fx.Server.Requests).Header("Authorization"));
    }
}
