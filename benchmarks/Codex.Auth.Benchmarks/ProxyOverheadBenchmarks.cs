using System.Net;
using BenchmarkDotNet.Attributes;
using Codex.Auth.ApiKeys;
using Codex.Auth.Proxy;
using Codex.Auth.Resolution;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Codex.Auth.Benchmarks;

/// <summary>
/// What <see cref="CodexAuthProxyHost"/> adds to one request (issue 6): an <see cref="HttpClient"/> calling a tiny Kestrel
/// upstream on loopback (200, small JSON) directly, against the same call through the in-process proxy in forward mode
/// (host API key injected, agent credential headers stripped) and in transparent mode. Sequential requests over kept-alive
/// connections, so requests/second for one client is 1 / mean.
/// </summary>
[MemoryDiagnoser]
public class ProxyOverheadBenchmarks
{
    private static readonly byte[] s_body = """{"object":"list","data":[{"id":"gpt-5-codex"}]}"""u8.ToArray();

    private WebApplication _upstream = null!;
    private CodexAuthProxyHost _forward = null!;
    private CodexAuthProxyHost _transparent = null!;
    private HttpClient _direct = null!;
    private HttpClient _viaForward = null!;
    private HttpClient _viaTransparent = null!;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, Description = "HttpClient -> upstream (direct)")]
    public Task<byte[]> Direct() => _direct.GetByteArrayAsync("v1/models");

    [Benchmark(Description = "HttpClient -> proxy (forward host API key) -> upstream")]
    public Task<byte[]> ViaForwardProxy() => _viaForward.GetByteArrayAsync("v1/models");

    [Benchmark(Description = "HttpClient -> proxy (transparent) -> upstream")]
    public Task<byte[]> ViaTransparentProxy() => _viaTransparent.GetByteArrayAsync("v1/models");

    [GlobalCleanup]
    public void Cleanup()
    {
        _direct.Dispose();
        _viaForward.Dispose();
        _viaTransparent.Dispose();
        _forward.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _transparent.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _upstream.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private async Task SetupAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0));
        _upstream = builder.Build();
        _upstream.Run(async context =>
        {
            context.Response.StatusCode = StatusCodes.Status200OK;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength = s_body.Length;
            await context.Response.Body.WriteAsync(s_body).ConfigureAwait(false);
        });
        await _upstream.StartAsync().ConfigureAwait(false);
        var upstream = new Uri(_upstream.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/");

        _forward = await CodexAuthProxyHost.StartAsync(Options(upstream, forward: true)).ConfigureAwait(false);
        _transparent = await CodexAuthProxyHost.StartAsync(Options(upstream, forward: false)).ConfigureAwait(false);

        _direct = Client(upstream);
        _viaForward = Client(_forward.Address);
        _viaTransparent = Client(_transparent.Address);

        // The agent's own header: stripped in forward mode, passed through in transparent mode.
        _viaForward.DefaultRequestHeaders.Authorization = new("Bearer", "sk-agent-benchmark-key");
        _viaTransparent.DefaultRequestHeaders.Authorization = new("Bearer", "sk-agent-benchmark-key");
        _direct.DefaultRequestHeaders.Authorization = new("Bearer", "sk-agent-benchmark-key");

        // Warm every path once (connections, YARP routes, the host credential's header cache).
        await Direct().ConfigureAwait(false);
        await ViaForwardProxy().ConfigureAwait(false);
        await ViaTransparentProxy().ConfigureAwait(false);
    }

    private static CodexAuthProxyOptions Options(Uri upstream, bool forward) => new()
    {
        ChatGptUpstream = new Uri(upstream, "backend-api"),
        OpenAIUpstream = new Uri(upstream, "v1"),
        AuthUpstream = upstream,
        ForwardHostCredentials = forward,
        HostCredential = forward ? new ResolvedCredential(ApiKeyProvider.FromKey("sk-host-benchmark-key"), CodexCredentialSource.ApiKey, "benchmark") : null,
        AllowApiKeyHostCredential = true,
        Environment = CodexEnvironment.FromValues(new Dictionary<string, string?>()),
    };

    private static HttpClient Client(Uri baseAddress) =>
        new(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan, UseProxy = false }) { BaseAddress = baseAddress };
}
