using System.Net;
using Codex.Auth.Proxy.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Codex.Auth.Proxy.Tests;

public sealed class EmbeddingTests
{
    [Fact]
    public async Task The_proxy_runs_inside_an_existing_aspnet_app_next_to_its_own_endpoints()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        WebApplicationBuilder builder = LoopbackKestrel.CreateBuilder();
        builder.Services.AddCodexAuthProxy(fx.Options(forward: true));
        await using WebApplication app = builder.Build();
        app.MapGet("/healthz", () => "ok");
        app.MapCodexAuthProxy();
        Uri address = await LoopbackKestrel.StartAsync(app);
        using var client = new HttpClient { BaseAddress = address };

        Assert.Equal("ok", await client.GetStringAsync("healthz"));
        using var response = await client.GetAsync("backend-api/codex/models");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Bearer " + fx.SignIn.AccessToken, Assert.Single(fx.Server.RequestsTo("/backend-api/codex/models")).Header("Authorization"));
        await app.StopAsync();
    }

    [Fact]
    public async Task An_unusable_host_credential_stops_the_apps_start()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync(writeAuthJson: false);
        WebApplicationBuilder builder = LoopbackKestrel.CreateBuilder();
        builder.Services.AddCodexAuthProxy(fx.Options(forward: true));
        await using WebApplication app = builder.Build();
        app.MapCodexAuthProxy();

        var ex = await Assert.ThrowsAsync<CodexAuthException>(() => app.StartAsync());

        Assert.Contains("codex login", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Mapping_without_registration_says_what_to_call()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        using WebApplication app = builder.Build();

        var ex = Assert.Throws<InvalidOperationException>(() => app.MapCodexAuthProxy());

        Assert.Contains("AddCodexAuthProxy", ex.Message, StringComparison.Ordinal);
    }
}
