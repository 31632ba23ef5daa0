namespace Codex.Auth.Backchannel;

/// <summary>Serves one caller-supplied <see cref="HttpClient"/> (the older constructors' <c>httpClient</c> parameter).</summary>
internal sealed class FixedHttpClientFactory(HttpClient client) : IHttpClientFactory
{
    public HttpClient Client { get; } = client;

    public HttpClient CreateClient(string name) => Client;
}
