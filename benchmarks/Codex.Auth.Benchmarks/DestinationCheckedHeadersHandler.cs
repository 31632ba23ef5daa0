namespace Codex.Auth.Benchmarks;

/// <summary>
/// The API-key floor with the destination check <see cref="Codex.Auth.Http.CodexAuthHandler"/> makes, written by hand: an
/// absolute URI, HTTPS unless loopback, the host (<see cref="Uri.IdnHost"/>) on an allow-list; then <c>Remove</c> +
/// <c>TryAddWithoutValidation</c> of a constant <c>Authorization</c>. What an application would write to do the same job safely.
/// </summary>
/// <remarks>
/// The allowed host is the application's own string (from its configuration), kept lower case as <see cref="Uri.IdnHost"/> spells
/// hosts so that an ordinal comparison is a correct one — the cheapest check by hand. It is copied: the benchmarks pass the request
/// URI's own <c>IdnHost</c>, and comparing a string with itself is a reference test that no application gets (until issue 15's second
/// session this floor did that).
/// </remarks>
public sealed class DestinationCheckedHeadersHandler(string authorization, string allowedHost) : DelegatingHandler
{
    private readonly string _allowedHost = new string(allowedHost.AsSpan()).ToLowerInvariant();

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

            if (!string.Equals(uri.IdnHost, _allowedHost, StringComparison.Ordinal))
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
