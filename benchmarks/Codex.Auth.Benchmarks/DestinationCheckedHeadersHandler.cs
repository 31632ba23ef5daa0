namespace Codex.Auth.Benchmarks;

/// <summary>
/// The API-key floor with the destination check <see cref="Codex.Auth.Http.CodexAuthHandler"/> makes, written by hand: an
/// absolute URI, HTTPS unless loopback, the host (<see cref="Uri.IdnHost"/>) on an allow-list; then <c>Remove</c> +
/// <c>TryAddWithoutValidation</c> of a constant <c>Authorization</c>. What an application would write to do the same job safely.
/// </summary>
public sealed class DestinationCheckedHeadersHandler(string authorization, string allowedHost) : DelegatingHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Uri? uri = request.RequestUri;
        if (uri is null || !uri.IsAbsoluteUri)
        {
            throw new InvalidOperationException("No absolute RequestUri.");
        }

        if (!uri.IsLoopback)
        {
            if (!string.Equals(uri.Scheme, Uri.UriSchemeHttps, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException("Credentials only over HTTPS.");
            }

            if (!string.Equals(uri.IdnHost, allowedHost, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException("Host not allowed.");
            }
        }

        System.Net.Http.Headers.HttpRequestHeaders headers = request.Headers;
        headers.Remove("Authorization");
        headers.TryAddWithoutValidation("Authorization", authorization);
        return base.SendAsync(request, cancellationToken);
    }
}
