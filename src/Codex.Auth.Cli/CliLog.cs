using Microsoft.Extensions.Logging;

namespace Codex.Auth.Cli;

/// <summary>The proxy command's own messages when logs are JSON (<c>--log-format json</c>), so that every stderr line is a JSON object.</summary>
internal static partial class CliLog
{
    public const string Category = "Codex.Auth.Cli";

    [LoggerMessage(1, LogLevel.Information, "Agent side: chatgpt_base_url = \"{ChatGptBaseUrl}\", openai_base_url = \"{OpenAIBaseUrl}\", CODEX_REFRESH_TOKEN_URL_OVERRIDE={RefreshUrl}, CODEX_REVOKE_TOKEN_URL_OVERRIDE={RevokeUrl}, CODEX_CA_CERTIFICATE={CaCertificate}.")]
    public static partial void AgentHints(ILogger logger, string chatGptBaseUrl, string openAIBaseUrl, string refreshUrl, string revokeUrl, string? caCertificate);

    [LoggerMessage(2, LogLevel.Information, "Proxy stopping: no new connections; requests in flight get up to {DrainSeconds} s to finish.")]
    public static partial void Stopping(ILogger logger, double drainSeconds);
}
