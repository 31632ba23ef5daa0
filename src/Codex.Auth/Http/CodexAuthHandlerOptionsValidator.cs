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
        foreach (string host in options.AllowedHosts)
        {
            if (string.IsNullOrWhiteSpace(host) || Uri.CheckHostName(host.Trim()) == UriHostNameType.Unknown)
            {
                checks.Fail(nameof(options.AllowedHosts), $"contains '{host}', which is not a host name (give a bare host such as 'example.com', without scheme or path).");
            }
        }

        return checks.Result;
    }
}
