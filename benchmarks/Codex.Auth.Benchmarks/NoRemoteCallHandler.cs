namespace Codex.Auth.Benchmarks;

/// <summary>A primary handler that answers every request with one cached, completed response: no I/O is measured.</summary>
public sealed class NoRemoteCallHandler : HttpMessageHandler
{
    private readonly Task<HttpResponseMessage> _response = Task.FromResult(new HttpResponseMessage(System.Net.HttpStatusCode.OK));

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) => _response;
}
