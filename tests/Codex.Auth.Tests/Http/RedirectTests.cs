using System.Collections.Concurrent;
using System.Net;
using Codex.Auth.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Codex.Auth.Tests.Http;

/// <summary>
/// Issue 12 item 7: the handler's inner pipeline follows no redirect to another origin with credentials, even when the
/// inner handler is configured to follow redirects; same-origin redirects are still followed, re-authenticated.
/// </summary>
public sealed class RedirectTests : IAsyncLifetime
{
    private readonly ConcurrentQueue<string> _elsewhere = new();
    private readonly ConcurrentQueue<(string Path, string? Authorization)> _seen = new();
    private WebApplication _origin = null!;
    private WebApplication _other = null!;
    private Uri _originBase = null!;
    private Uri _otherBase = null!;

    public async Task InitializeAsync()
    {
        (_other, _otherBase) = await StartAsync(context =>
        {
            _elsewhere.Enqueue($"{context.Request.Path} auth={context.Request.Headers.Authorization} account={context.Request.Headers["ChatGPT-Account-ID"]} fedramp={context.Request.Headers["X-OpenAI-Fedramp"]}");
            return context.Response.WriteAsync("stolen");
        });
        (_origin, _originBase) = await StartAsync(context =>
        {
            _seen.Enqueue((context.Request.Path, context.Request.Headers.Authorization));
            string path = context.Request.Path;
            if (path.StartsWith("/to-other-port", StringComparison.Ordinal))
            {
                context.Response.Redirect(new Uri(_otherBase, "x").AbsoluteUri);
            }
            else if (path.StartsWith("/to-other-host", StringComparison.Ordinal))
            {
                context.Response.Redirect($"http://localhost:{_otherBase.Port}/x");
            }
            else if (path.StartsWith("/to-same-origin", StringComparison.Ordinal))
            {
                context.Response.StatusCode = 307;
                context.Response.Headers.Location = "/final";
            }
            else
            {
                return context.Response.WriteAsync("final");
            }

            return Task.CompletedTask;
        });
    }

    public async Task DisposeAsync()
    {
        await _origin.DisposeAsync();
        await _other.DisposeAsync();
    }

    public static TheoryData<string, bool> Cases() => new()
    {
        { "to-other-port", false },
        { "to-other-port", true },
        { "to-other-host", false },
        { "to-other-host", true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_redirect_to_another_origin_is_returned_unfollowed_and_carries_nothing_there(string path, bool socketsHandler)
    {
        using HttpClient client = Client(socketsHandler ? new SocketsHttpHandler() : new HttpClientHandler());

        using HttpResponseMessage response = await client.GetAsync(new Uri(_originBase, path));

        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Empty(_elsewhere);
        Assert.Single(_seen);
    }

    [Fact]
    public async Task A_same_origin_redirect_is_followed_and_each_hop_is_authenticated()
    {
        using HttpClient client = Client(new HttpClientHandler());

        using HttpResponseMessage response = await client.PostAsync(new Uri(_originBase, "to-same-origin"), new StringContent("{}"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("final", await response.Content.ReadAsStringAsync());
        Assert.Equal([("/to-same-origin", "Bearer sk-redirect-test"), ("/final", "Bearer sk-redirect-test")], _seen.ToArray());
    }

    [Fact]
    public async Task Later_requests_follow_same_origin_redirects_and_refuse_other_origins_as_the_first_does()
    {
        // The first request takes redirects over; later ones take the handler's short path (issue 15), which must keep both rules.
        using HttpClient client = Client(new SocketsHttpHandler());
        (await client.GetAsync(new Uri(_originBase, "final"))).Dispose();

        using HttpResponseMessage followed = await client.PostAsync(new Uri(_originBase, "to-same-origin"), new StringContent("{}"));
        using HttpResponseMessage unfollowed = await client.GetAsync(new Uri(_originBase, "to-other-port"));

        Assert.Equal(HttpStatusCode.OK, followed.StatusCode);
        Assert.Equal("final", await followed.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Redirect, unfollowed.StatusCode);
        Assert.Empty(_elsewhere);
        Assert.Equal(
            [("/final", "Bearer sk-redirect-test"), ("/to-same-origin", "Bearer sk-redirect-test"), ("/final", "Bearer sk-redirect-test"), ("/to-other-port", "Bearer sk-redirect-test")],
            _seen.ToArray());
    }

    [Fact]
    public async Task An_inner_handler_that_does_not_follow_redirects_keeps_not_following_them()
    {
        using HttpClient client = Client(new SocketsHttpHandler { AllowAutoRedirect = false });

        using HttpResponseMessage response = await client.GetAsync(new Uri(_originBase, "to-same-origin"));

        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.Single(_seen);
    }

    private static HttpClient Client(HttpMessageHandler inner)
    {
        var provider = new Codex.Auth.ApiKeys.ApiKeyProvider(new Codex.Auth.ApiKeys.ApiKeyProviderOptions { ApiKey = "sk-redirect-test", UseEnvironment = false, UseCredentialStore = false });
        var options = new CodexAuthHandlerOptions();
        options.AllowedHosts.Add("localhost");
        return new HttpClient(new CodexAuthHandler(provider, options) { InnerHandler = inner });
    }

    private static async Task<(WebApplication App, Uri Base)> StartAsync(RequestDelegate handler)
    {
        WebApplicationBuilder builder = LoopbackKestrel.CreateBuilder();
        WebApplication app = builder.Build();
        app.Run(handler);
        Uri address = await LoopbackKestrel.StartAsync(app);
        return (app, address);
    }
}
