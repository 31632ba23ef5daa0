using System.Security.Claims;
using Microsoft.Identity.Abstractions;
using Microsoft.Kiota.Abstractions.Authentication;

namespace Codex.Auth.Benchmarks;

/// <summary>A constant token for Kiota's <see cref="BaseBearerTokenAuthenticationProvider"/>: only Kiota's own overhead is measured.</summary>
internal sealed class ConstantAccessTokenProvider(string token, params string[] allowedHosts) : IAccessTokenProvider
{
    private readonly Task<string> _token = Task.FromResult(token);

    public AllowedHostsValidator AllowedHostsValidator { get; } = new(allowedHosts);

    public Task<string> GetAuthorizationTokenAsync(Uri uri, Dictionary<string, object>? additionalAuthenticationContext = null, CancellationToken cancellationToken = default) => _token;
}

/// <summary>A constant header for Microsoft.Identity.Web's handler: only the handler's own overhead is measured.</summary>
internal sealed class ConstantAuthorizationHeaderProvider(string header) : IAuthorizationHeaderProvider
{
    private readonly Task<string> _header = Task.FromResult(header);

    public Task<string> CreateAuthorizationHeaderForUserAsync(IEnumerable<string> scopes, AuthorizationHeaderProviderOptions? authorizationHeaderProviderOptions = null, ClaimsPrincipal? claimsPrincipal = null, CancellationToken cancellationToken = default) => _header;

    public Task<string> CreateAuthorizationHeaderForAppAsync(string scopes, AuthorizationHeaderProviderOptions? downstreamApiOptions = null, CancellationToken cancellationToken = default) => _header;

    public Task<string> CreateAuthorizationHeaderAsync(IEnumerable<string> scopes, AuthorizationHeaderProviderOptions? options = null, ClaimsPrincipal? claimsPrincipal = null, CancellationToken cancellationToken = default) => _header;
}
