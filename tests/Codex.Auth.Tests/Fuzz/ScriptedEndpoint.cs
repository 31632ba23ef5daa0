using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Codex.Auth.Tests.Fuzz;

/// <summary>A Kestrel endpoint on 127.0.0.1:0 that answers every request with the status and raw body bytes set last.</summary>
internal sealed class ScriptedEndpoint : IAsyncDisposable
{
    private readonly WebApplication _app;
    private volatile Scripted _answer = new(200, "{}"u8.ToArray());

    private ScriptedEndpoint(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    public int Requests;

    public string? LastRequestBody { get; private set; }

    public static async Task<ScriptedEndpoint> StartAsync()
    {
        WebApplicationBuilder builder = LoopbackKestrel.CreateBuilder();
        WebApplication app = builder.Build();
        var endpoint = new ScriptedEndpoint(app);
        app.Run(async context =>
        {
            Interlocked.Increment(ref endpoint.Requests);
            using var reader = new StreamReader(context.Request.Body);
            endpoint.LastRequestBody = await reader.ReadToEndAsync();
            Scripted answer = endpoint._answer;
            context.Response.StatusCode = answer.Status;
            context.Response.ContentType = "application/json";
            await context.Response.Body.WriteAsync(answer.Body);
        });
        Uri address = await LoopbackKestrel.StartAsync(app);
        endpoint.BaseAddress = address;
        return endpoint;
    }

    public void Answer(int status, byte[] body) => _answer = new Scripted(status, body);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private sealed record Scripted(int Status, byte[] Body);
}
