namespace Codex.Auth.Http;

/// <summary>Rules for where <see cref="CodexAuthHandler"/> attaches credentials.</summary>
public sealed class CodexAuthHandlerOptions
{
    /// <summary>
    /// Gets additional host names credentials may be sent to, besides the provider's own base URL host and
    /// loopback. Compared case-insensitively; no wildcards.
    /// </summary>
    public IList<string> AllowedHosts { get; } = new List<string>();

    /// <summary>
    /// Gets or sets a value indicating whether the provider's base URL host is allowed implicitly. Default <see langword="true"/>.
    /// </summary>
    public bool AllowProviderBaseUrlHost { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether loopback hosts (127.0.0.0/8, ::1, localhost) are allowed, over HTTP too. Default <see langword="true"/>.</summary>
    public bool AllowLoopback { get; set; } = true;

    /// <summary>Gets or sets a value indicating whether a request rejected with HTTP 401 is retried once after the provider recovers. Default <see langword="true"/>.</summary>
    public bool RetryOnUnauthorized { get; set; } = true;
}
