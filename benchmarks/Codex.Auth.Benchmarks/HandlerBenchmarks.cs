using BenchmarkDotNet.Attributes;
using Codex.Auth.ApiKeys;
using Codex.Auth.Http;

namespace Codex.Auth.Benchmarks;

/// <summary>The handler's cost on the cached path, against setting the same headers by hand.</summary>
[MemoryDiagnoser]
public class HandlerBenchmarks
{
    private static readonly Uri s_url = new("https://api.openai.com/v1/responses");
    private HttpMessageInvoker _floor = null!;
    private HttpMessageInvoker _apiKey = null!;
    private HttpRequestMessage _request = null!;

    [GlobalSetup]
    public void Setup()
    {
        _floor = new HttpMessageInvoker(new ManualHeadersHandler { InnerHandler = new NoRemoteCallHandler() });
        _apiKey = new HttpMessageInvoker(new CodexAuthHandler(ApiKeyProvider.FromKey("sk-benchmark-key")) { InnerHandler = new NoRemoteCallHandler() });
        _request = new HttpRequestMessage(HttpMethod.Post, s_url);
    }

    [Benchmark(Baseline = true, Description = "Floor: set Authorization by hand")]
    public Task<HttpResponseMessage> Floor() => _floor.SendAsync(_request, CancellationToken.None);

    [Benchmark(Description = "CodexAuthHandler + ApiKeyProvider (cached)")]
    public Task<HttpResponseMessage> ApiKey() => _apiKey.SendAsync(_request, CancellationToken.None);

    [GlobalCleanup]
    public void Cleanup()
    {
        _floor.Dispose();
        _apiKey.Dispose();
        _request.Dispose();
    }

    private sealed class ManualHeadersHandler : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.Headers.Remove("Authorization");
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer sk-benchmark-key");
            return base.SendAsync(request, cancellationToken);
        }
    }
}
