using Codex.Auth.Internal;
using Microsoft.Extensions.Options;

namespace Codex.Auth.Http;

/// <summary>Validates <see cref="CodexAuthHandlerOptions"/>: registered by <c>AddCodexAuth</c> and called by <see cref="CodexAuthHandler"/>'s constructor.</summary>
internal sealed class CodexAuthHandlerOptionsValidator : IValidateOptions<CodexAuthHandlerOptions>
{
    public static CodexAuthHandlerOptionsValidator Instance { get; } = new();

    public ValidateOptionsResult Validate(string? name, CodexAuthHandlerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var checks = new OptionsChecks(nameof(CodexAuthHandlerOptions));
        checks.HostNames(options.AllowedHosts, nameof(options.AllowedHosts));
        return checks.Result;
    }
}
