// A self-contained walk through the handler: a local stand-in for the OpenAI API on 127.0.0.1 accepts one API key,
// and an IHttpClientFactory client registered with AddCodexAuth calls it. Nothing leaves the machine.
using System.Net;
using Codex.Auth;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

const string demoKey = "sk-demo-0123456789";

WebApplicationBuilder serverBuilder = WebApplication.CreateSlimBuilder();
serverBuilder.Logging.ClearProviders();
serverBuilder.WebHost.UseKestrel(k => k.Listen(IPAddress.Loopback, 0));
await using WebApplication server = serverBuilder.Build();
server.MapGet("/v1/models", (HttpRequest request) =>
    request.Headers.Authorization == $"Bearer {demoKey}"
        ? Results.Json(new { data = new[] { new { id = "gpt-5-codex" } } })
        : Results.Json(new { error = "invalid api key" }, statusCode: 401));
await server.StartAsync();
string address = server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
Console.WriteLine($"stand-in API listening on {address}");

var services = new ServiceCollection();
services.AddHttpClient("openai", c => c.BaseAddress = new Uri(address + "/v1/"))
        .AddCodexAuth(o =>
        {
            o.Source = CodexCredentialSource.ApiKey;
            o.ApiKey = demoKey;
        });
await using ServiceProvider provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

IAuthProvider auth = provider.GetRequiredService<IAuthProvider>();
AuthHeaders headers = await auth.GetHeadersAsync();
Console.WriteLine($"credential: {headers} (the key itself is never printed)");

HttpClient client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("openai");
using HttpResponseMessage response = await client.GetAsync("models");
Console.WriteLine($"GET models -> {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");

try
{
    await client.GetAsync(new Uri("http://example.com/v1/models"));
}
catch (CodexAuthException ex)
{
    Console.WriteLine($"plain http to a remote host is refused: {ex.Reason}");
}

return response.IsSuccessStatusCode ? 0 : 1;
