using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Codex.Auth.Proxy.Tests.Infrastructure;

/// <summary>A tiny Kestrel upstream on 127.0.0.1:0 whose endpoints a test maps (for pausing SSE and WebSockets).</summary>
public sealed class TestUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;

    private TestUpstream(WebApplication app, Uri address)
    {
        _app = app;
        BaseAddress = address;
    }

    public Uri BaseAddress { get; }

    public static async Task<TestUpstream> StartAsync(Action<WebApplication> map)
    {
        WebApplicationBuilder builder = LoopbackKestrel.CreateBuilder();
        WebApplication app = builder.Build();
        app.UseWebSockets();
        map(app);
        Uri address = await LoopbackKestrel.StartAsync(app);
        return new TestUpstream(app, address);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
