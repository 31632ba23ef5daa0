namespace Codex.Auth.Routing;

/// <summary>Options for <see cref="WorkspaceRouter"/>.</summary>
/// <example>
/// <code>
/// var router = new WorkspaceRouter(provider, new WorkspaceRouterOptions { EnforceResidency = CodexResidency.Us });
/// </code>
/// </example>
public sealed class WorkspaceRouterOptions
{
    /// <summary>
    /// Gets or sets <c>chatgpt_base_url</c>, where discovery is asked (<c>{chatgpt_base_url}wham/accounts/check</c>) and whose origin
    /// stands for <c>NO_CONSTRAINT</c>. <see langword="null"/> (the default) derives it from the provider's base URL: its parent when
    /// it ends in <c>/codex</c> (<c>https://chatgpt.com/backend-api/codex</c> → <c>https://chatgpt.com/backend-api/</c>).
    /// </summary>
    public Uri? ChatGptBaseUrl { get; set; }

    /// <summary>Gets or sets the residency to insist on (config.toml <c>enforce_residency</c>). Default <see cref="CodexResidency.None"/>.</summary>
    public CodexResidency EnforceResidency { get; set; }

    /// <summary>
    /// Gets or sets how long a discovered routing is used before it is asked again (it is also asked again whenever the account
    /// changes). Default one hour.
    /// </summary>
    public TimeSpan DiscoveryLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets how many times discovery is attempted when it fails transiently (network, timeout, 429, 5xx). Default 3.</summary>
    public int MaxAttempts { get; set; } = 3;

    /// <summary>Gets or sets the base delay between attempts (doubled each time, with jitter; a <c>Retry-After</c> replaces it). Default 500 ms.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Gets or sets the timeout of one discovery attempt; <see cref="Timeout.InfiniteTimeSpan"/> for none. Default 30 seconds.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
