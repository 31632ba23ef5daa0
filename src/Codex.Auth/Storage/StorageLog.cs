using Microsoft.Extensions.Logging;

namespace Codex.Auth.Storage;

/// <summary>Source-generated log messages of the credential stores (event ids 40–49). Never a secret: names, paths, reasons.</summary>
internal static partial class StorageLog
{
    [LoggerMessage(40, LogLevel.Warning, "The keyring could not be used ({Reason}); using {FilePath} instead (cli_auth_credentials_store = \"auto\").")]
    public static partial void KeyringFallback(ILogger logger, string reason, string filePath);

    [LoggerMessage(41, LogLevel.Debug, "Watching the {Keyring} entry through its change signals.")]
    public static partial void KeyringWatchSignals(ILogger logger, string keyring);

    [LoggerMessage(42, LogLevel.Debug, "Watching the {Keyring} entry by reading it every {Interval}.")]
    public static partial void KeyringWatchPolling(ILogger logger, string keyring, TimeSpan interval);

    [LoggerMessage(43, LogLevel.Debug, "The {Keyring} change signals could not be subscribed to ({Error}).")]
    public static partial void KeyringWatchFailed(ILogger logger, string keyring, string error);

    [LoggerMessage(44, LogLevel.Warning, "The leftover credentials file {FilePath} could not be removed ({Error}).")]
    public static partial void LeftoverFileNotRemoved(ILogger logger, string filePath, string error);
}
