using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Codex.Auth.ProxyLoad;

/// <summary>The instant upstream when nginx is not installed: Kestrel answering every request with the same small JSON body.</summary>
internal static class KestrelUpstream
{
    private static readonly byte[] s_body = Encoding.UTF8.GetBytes(Nginx.Body);

    /// <summary>Runs in its own process (<c>Codex.Auth.ProxyLoad upstream PORT</c>) until stdin closes.</summary>
    public static async Task<int> RunAsync(int port)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.ListenLocalhost(port, l => l.Protocols = HttpProtocols.Http1);
        });
        WebApplication app = builder.Build();
        app.Run(context =>
        {
            if (context.Request.Path == "/backend-api/wham/accounts/check")
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound; // routing discovery: no workspace routing
                return Task.CompletedTask;
            }

            context.Response.ContentType = "application/json";
            context.Response.ContentLength = s_body.Length;
            return context.Response.Body.WriteAsync(s_body).AsTask();
        });
        await app.StartAsync().ConfigureAwait(false);
        Console.WriteLine("ready");
        await Console.In.ReadToEndAsync().ConfigureAwait(false);
        await app.StopAsync().ConfigureAwait(false);
        return 0;
    }
}
