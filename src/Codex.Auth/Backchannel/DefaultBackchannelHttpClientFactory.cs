namespace Codex.Auth.Backchannel;

/// <summary>The process-wide back-channel client source for code without dependency injection.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "One instance for the life of the process; its pooled handler is never disposed.")]
internal sealed class DefaultBackchannelHttpClientFactory : IHttpClientFactory
{
    public static readonly DefaultBackchannelHttpClientFactory Instance = new();

    private readonly SocketsHttpHandler _handler = new()
    {
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(30),
    };

    private DefaultBackchannelHttpClientFactory()
    {
    }

    public HttpClient CreateClient(string name) => new(_handler, disposeHandler: false);
}
