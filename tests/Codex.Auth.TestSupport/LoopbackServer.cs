using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Codex.Auth.TestSupport;

/// <summary>A request as the server saw it.</summary>
public sealed record SeenRequest(string Method, string Path, IReadOnlyDictionary<string, string[]> Headers, string Body)
{
    public string[] HeaderValues(string name) =>
        Headers.TryGetValue(name.ToLowerInvariant(), out string[]? v) ? v : [];
}

/// <summary>A Kestrel server on 127.0.0.1:0 whose answers a test scripts.</summary>
public sealed class LoopbackServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<SeenRequest> _requests = new();

    private LoopbackServer(WebApplication app) => _app = app;

    public Func<SeenRequest, (int Status, string Body)> Respond { get; set; } = _ => (200, "{}");

    public IReadOnlyList<SeenRequest> Requests => _requests.ToArray();

    public Uri BaseAddress { get; private set; } = null!;

    public static async Task<LoopbackServer> StartAsync()
    {
        WebApplicationBuilder builder = LoopbackKestrel.CreateBuilder();
        WebApplication app = builder.Build();
        var server = new LoopbackServer(app);
        app.Run(async context =>
        {
            using var reader = new StreamReader(context.Request.Body);
            string body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.Select(v => v ?? string.Empty).ToArray());
            var seen = new SeenRequest(context.Request.Method, context.Request.Path + context.Request.QueryString, headers, body);
            server._requests.Enqueue(seen);
            (int status, string responseBody) = server.Respond(seen);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync(responseBody);
        });
        Uri address = await LoopbackKestrel.StartAsync(app);
        server.BaseAddress = address;
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
