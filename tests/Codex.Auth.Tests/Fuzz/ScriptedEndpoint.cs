using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

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
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
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
        await app.StartAsync();
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        endpoint.BaseAddress = new Uri(address.TrimEnd('/') + "/");
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
