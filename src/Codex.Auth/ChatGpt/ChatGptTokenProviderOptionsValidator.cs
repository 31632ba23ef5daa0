using Codex.Auth.Internal;
using Microsoft.Extensions.Options;

namespace Codex.Auth.ChatGpt;

/// <summary>
/// Validates <see cref="ChatGptTokenProviderOptions"/>: registered by <c>AddCodexAuth</c> and called by the provider's
/// constructor. Endpoint URLs are checked by the back channel (a typed <see cref="CodexAuthException"/>).
/// </summary>
internal sealed class ChatGptTokenProviderOptionsValidator : IValidateOptions<ChatGptTokenProviderOptions>
{
    public static ChatGptTokenProviderOptionsValidator Instance { get; } = new();

    public ValidateOptionsResult Validate(string? name, ChatGptTokenProviderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var checks = new OptionsChecks(nameof(ChatGptTokenProviderOptions));
        checks.AbsoluteUrl(options.BaseUrl, nameof(options.BaseUrl), optional: true); // null: the default
        checks.NotNegative(options.RefreshBeforeExpiry, nameof(options.RefreshBeforeExpiry));
        checks.Positive(options.RefreshIntervalWithoutExpiry, nameof(options.RefreshIntervalWithoutExpiry));
        checks.Positive(options.BackgroundRetryDelay, nameof(options.BackgroundRetryDelay));
        checks.NotNegative(options.ReusedTokenGracePeriod, nameof(options.ReusedTokenGracePeriod));
        checks.AtLeast(options.MaxRefreshRetries, 0, nameof(options.MaxRefreshRetries));
        checks.NotNegative(options.RefreshRetryDelay, nameof(options.RefreshRetryDelay));
        checks.Positive(options.RefreshAttemptTimeout, nameof(options.RefreshAttemptTimeout), infiniteMeansNone: true);
        return checks.Result;
    }
}
