using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Codex.Auth.TestSupport;

/// <summary>The one way tests host a Kestrel endpoint: 127.0.0.1 on a free port, no logging, its base address with a trailing slash.</summary>
public static class LoopbackKestrel
{
    /// <summary>
    /// An empty builder (no appsettings.json, no environment configuration: as the proxy and the fake server build theirs, so a
    /// stray <c>Kestrel:Endpoints</c> never adds a listener) with Kestrel on 127.0.0.1:0, routing and no logging providers; add
    /// routes/services, then <see cref="StartAsync"/>.
    /// </summary>
    public static WebApplicationBuilder CreateBuilder()
    {
        WebApplicationBuilder builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        builder.Services.AddRoutingCore();
        builder.Logging.ClearProviders();
        return builder;
    }

    /// <summary>Starts the app and returns the address it listens on (<c>http://127.0.0.1:PORT/</c>).</summary>
    public static async Task<Uri> StartAsync(WebApplication app)
    {
        await app.StartAsync();
        return AddressOf(app);
    }

    /// <summary>The address a started app listens on (<c>http://127.0.0.1:PORT/</c>).</summary>
    public static Uri AddressOf(WebApplication app)
    {
        string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Uri(address.TrimEnd('/') + "/");
    }
}
