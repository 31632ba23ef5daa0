using System.Net;
using Codex.Auth.Proxy.Tests.Infrastructure;
using Codex.Auth.Testing;

namespace Codex.Auth.Proxy.Tests;

public sealed class RoutingTests
{
    [Theory]
    [InlineData("/backend-api/codex/models", "/backend-api/codex/models")]
    [InlineData("/backend-api/wham/accounts/check", "/backend-api/wham/accounts/check")]
    [InlineData("/BACKEND-API/codex/responses", "/backend-api/codex/responses")]
    [InlineData("/v1/models", "/v1/models")]
    [InlineData("/v1/responses?stream=true", "/v1/responses")]
    [InlineData("/oauth/token", "/oauth/token")]
    [InlineData("/OAuth/token", "/OAuth/token")]
    [InlineData("/v1/oauth/token", "/oauth/token")]
    [InlineData("/V1/OAUTH/revoke", "/OAUTH/revoke")]
    [InlineData("/oauth2/authorize", "/oauth2/authorize")]
    [InlineData("/v1/oauth2/authorize", "/oauth2/authorize")]
    [InlineData("/auth/callback", "/auth/callback")]
    [InlineData("/v1/auth/callback", "/auth/callback")]
    [InlineData("/api/oauth/anything", "/api/oauth/anything")]
    [InlineData("/api/auth/session", "/api/auth/session")]
    [InlineData("/api/accounts/deviceauth/usercode", "/api/accounts/deviceauth/usercode")]
    [InlineData("/API/Accounts/DeviceAuth/Token", "/API/Accounts/DeviceAuth/Token")]
    [InlineData("/v1/api/accounts/deviceauth/usercode", "/api/accounts/deviceauth/usercode")]
    public async Task Each_path_reaches_the_right_upstream_path(string requestPath, string upstreamPath)
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        // Distinct upstream prefixes prove which cluster a request went through.
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: false, o =>
        {
            o.ChatGptUpstream = new Uri(fx.Server.BaseAddress, "backend-api");
            o.OpenAIUpstream = new Uri(fx.Server.BaseAddress, "v1");
            o.AuthUpstream = fx.Server.BaseAddress;
        });
        HttpClient client = fx.Client(proxy);

        using var response = await client.PostAsync(requestPath.TrimStart('/'), new StringContent("{}"));

        RecordedRequest seen = Assert.Single(fx.Server.Requests);
        Assert.Equal(upstreamPath, seen.Path);
    }

    [Fact]
    public async Task Upstream_paths_are_replaced_not_appended()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: false, o =>
        {
            o.ChatGptUpstream = new Uri(fx.Server.BaseAddress, "backend-api/");
            o.OpenAIUpstream = new Uri(fx.Server.BaseAddress, "backend-api/openai");
        });
        HttpClient client = fx.Client(proxy);

        (await client.GetAsync("backend-api/codex/models?x=1")).Dispose();
        (await client.GetAsync("v1/models")).Dispose();

        Assert.Equal(["/backend-api/codex/models?x=1", "/backend-api/openai/models"], fx.Server.Requests.Select(r => r.PathAndQuery));
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/backend-apix/codex")]
    [InlineData("/oauthx/token")]
    [InlineData("/api/other")]
    public async Task Other_paths_are_not_forwarded(string path)
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: false);
        HttpClient client = fx.Client(proxy);

        using var response = await client.GetAsync(path.TrimStart('/'));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Empty(fx.Server.Requests);
    }

    [Theory]
    [InlineData("ftp://example.com/backend-api")]
    [InlineData("http://chatgpt.com/backend-api")]
    [InlineData("https://user:pass@chatgpt.com/backend-api")]
    public void Non_https_upstreams_are_refused_except_loopback(string upstream)
    {
        var options = new CodexAuthProxyOptions { ChatGptUpstream = new Uri(upstream) };

        var ex = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(options.Validate);
        Assert.Contains("CodexAuthProxyOptions.ChatGptUpstream", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("pass", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080/backend-api")]
    [InlineData("http://localhost:8080/backend-api")]
    [InlineData("http://[::1]:8080/backend-api")]
    public void Plain_http_is_allowed_for_loopback_upstreams(string upstream)
    {
        new CodexAuthProxyOptions { ChatGptUpstream = new Uri(upstream) }.Validate();
    }
}
