using System.Net;
using System.Net.Http.Headers;
using Codex.Auth.Proxy.Tests.Infrastructure;
using Codex.Auth.Testing;

namespace Codex.Auth.Proxy.Tests;

public sealed class TransparentModeTests
{
    [Fact]
    public async Task The_agents_own_credentials_pass_through_untouched()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: false);
        HttpClient client = fx.Client(proxy);
        using var request = new HttpRequestMessage(HttpMethod.Get, "backend-api/codex/models");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fx.SignIn.AccessToken);
        request.Headers.Add("ChatGPT-Account-ID", ProxyFixture.AccountId);
        request.Headers.Add("OpenAI-Organization", "org-agent");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        RecordedRequest seen = Assert.Single(fx.Server.RequestsTo("/backend-api/codex/models"));
        Assert.Equal("Bearer " + fx.SignIn.AccessToken, seen.Header("Authorization"));
        Assert.Equal(ProxyFixture.AccountId, seen.Header("ChatGPT-Account-ID"));
        Assert.Equal("org-agent", seen.Header("OpenAI-Organization"));
    }

    [Fact]
    public async Task Agent_refresh_goes_to_the_auth_upstream_and_works()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: false);
        HttpClient client = fx.Client(proxy);

        using var response = await client.PostAsync(
            "oauth/token",
            new StringContent($$"""{"client_id":"{{fx.Server.ClientId}}","grant_type":"refresh_token","refresh_token":"{{fx.SignIn.RefreshToken}}"}""", System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, fx.Server.TokenRefreshCount);
    }

    [Fact]
    public async Task Logged_headers_show_only_fingerprints_of_credentials()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: false, o => o.LogHeaders = true);
        HttpClient client = fx.Client(proxy);
        using var request = new HttpRequestMessage(HttpMethod.Get, "backend-api/codex/models");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fx.SignIn.AccessToken);
        request.Headers.Add("ChatGPT-Account-ID", ProxyFixture.AccountId);
        request.Headers.Add("x-api-key", "sk-agent-secret-123");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string logs = fx.Logs.All;
        Assert.DoesNotContain(fx.SignIn.AccessToken, logs, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-agent-secret-123", logs, StringComparison.Ordinal);
        Assert.Contains("Authorization: Bearer [", logs, StringComparison.Ordinal);
        Assert.Contains("x-api-key: [", logs, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("GET /backend-api/codex/models -> codex-chatgpt 200", logs, StringComparison.Ordinal);
    }
}
