using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Codex.Auth.Cli.Tests;

/// <summary>
/// An upstream on 127.0.0.1 for the proxy's operational tests: <c>/backend-api/stream</c> sends one server-sent event, then waits
/// for <see cref="ReleaseStream"/> before sending the last one; every other path answers 200 with a small JSON body after reading
/// the request body, except routing discovery (<c>/backend-api/wham/accounts/check</c>), which answers 404 (no workspace routing).
/// Records the paths it saw.
/// </summary>
public sealed class StreamingUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _streamStarted = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<string> _paths = new();

    private StreamingUpstream(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    public IReadOnlyCollection<string> Paths => _paths.ToArray();

    /// <summary>Completes when a stream request has sent its first event.</summary>
    public Task StreamStarted => _streamStarted.Task;

    public static async Task<StreamingUpstream> StartAsync()
    {
        WebApplicationBuilder builder = LoopbackKestrel.CreateBuilder();
        WebApplication app = builder.Build();
        var upstream = new StreamingUpstream(app);
        app.Run(upstream.HandleAsync);
        Uri address = await LoopbackKestrel.StartAsync(app);
        upstream.BaseAddress = address;
        return upstream;
    }

    public void ReleaseStream() => _release.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        _release.TrySetResult();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task HandleAsync(HttpContext context)
    {
        _paths.Enqueue(context.Request.Path.Value ?? "/");
        if (context.Request.Path == "/backend-api/wham/accounts/check")
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound; // no workspace routing: every account unconstrained
            return;
        }

        if (context.Request.Path == "/backend-api/stream")
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("data: one\n\n");
            await context.Response.Body.FlushAsync();
            _streamStarted.TrySetResult();
            await _release.Task.WaitAsync(context.RequestAborted);
            await context.Response.WriteAsync("data: two\n\ndata: [DONE]\n\n");
            return;
        }

        await context.Request.Body.CopyToAsync(Stream.Null);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync("""{"ok":true}""");
    }
}
