using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Transforms;

// Takes the arguments the load benchmark gives `codex-auth proxy` and uses only --chatgpt-upstream (its origin); prints
// the same "listening on URL" line, exits 0 on SIGTERM.
string? upstream = null;
for (int i = 0; i < args.Length - 1; i++)
{
    if (args[i] == "--chatgpt-upstream")
    {
        upstream = new Uri(args[i + 1]).GetLeftPart(UriPartial.Authority);
    }
}

if (upstream is null)
{
    Console.Error.WriteLine("usage: Codex.Auth.ProxyFloor --chatgpt-upstream URL (other arguments are ignored)");
    return 2;
}

WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(args: []);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k =>
{
    k.AddServerHeader = false;
    k.Listen(IPAddress.Loopback, 0);
});
builder.Services.AddHttpForwarder();
WebApplication app = builder.Build();

var client = new HttpMessageInvoker(new SocketsHttpHandler
{
    UseProxy = false,
    AllowAutoRedirect = false,
    AutomaticDecompression = DecompressionMethods.None,
    UseCookies = false,
    ActivityHeadersPropagator = null,
    ConnectTimeout = TimeSpan.FromSeconds(10),
});
IHttpForwarder forwarder = app.Services.GetRequiredService<IHttpForwarder>();
var transformer = new HostHeaders();
app.Run(async context => await forwarder.SendAsync(context, upstream, client, ForwarderRequestConfig.Empty, transformer));

await app.StartAsync();
string address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
Console.WriteLine("listening on " + address.TrimEnd('/') + "/");
await app.WaitForShutdownAsync();
return 0;

/// <summary>What forward mode does to the headers, minus the lookups: drop the agent's credentials, set the host's.</summary>
internal sealed class HostHeaders : HttpTransformer
{
    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        httpContext.Request.Headers.Remove("Authorization");
        httpContext.Request.Headers.Remove("ChatGPT-Account-ID");
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        proxyRequest.Headers.TryAddWithoutValidation("Authorization", "Bearer host-token");
        proxyRequest.Headers.TryAddWithoutValidation("ChatGPT-Account-ID", "acct_host");
    }
}
