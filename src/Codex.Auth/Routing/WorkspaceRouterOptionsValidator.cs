using Codex.Auth.Internal;
using Microsoft.Extensions.Options;

namespace Codex.Auth.Routing;

/// <summary>Validates <see cref="WorkspaceRouterOptions"/>: registered by <c>AddCodexAuth</c> and called by <see cref="WorkspaceRouter"/>'s constructor.</summary>
internal sealed class WorkspaceRouterOptionsValidator : IValidateOptions<WorkspaceRouterOptions>
{
    public static WorkspaceRouterOptionsValidator Instance { get; } = new();

    public ValidateOptionsResult Validate(string? name, WorkspaceRouterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var checks = new OptionsChecks(nameof(WorkspaceRouterOptions));
        checks.AbsoluteUrl(options.ChatGptBaseUrl, nameof(options.ChatGptBaseUrl), optional: true);
        checks.Defined(options.EnforceResidency, nameof(options.EnforceResidency), "residency (None or Us)");

        checks.Positive(options.DiscoveryLifetime, nameof(options.DiscoveryLifetime));
        checks.AtLeast(options.MaxAttempts, 1, nameof(options.MaxAttempts));
        checks.NotNegative(options.RetryDelay, nameof(options.RetryDelay));
        checks.Positive(options.AttemptTimeout, nameof(options.AttemptTimeout), infiniteMeansNone: true);
        return checks.Result;
    }
}
