namespace Codex.Auth.Storage.Keyring;

/// <summary>The typed errors a keyring raises.</summary>
internal static class KeyringErrors
{
    /// <summary>The remedy for an unusable keyring.</summary>
    public const string Remedy =
        "Unlock the keyring (log in to the desktop session, or start it with `gnome-keyring-daemon --unlock`), or set cli_auth_credentials_store = \"file\" (or \"auto\") in $CODEX_HOME/config.toml.";

    public static CodexAuthException Unavailable(string keyring, string what, Exception? inner = null) => new(
        CodexAuthFailureReason.KeyringUnavailable,
        $"The keyring ({keyring}) cannot be used: {what}.",
        Remedy,
        inner);

    public static CodexAuthException TooLarge(string keyring, int size, int max) => new(
        CodexAuthFailureReason.CredentialTooLarge,
        $"The credentials are {size} bytes, more than the {max} bytes the keyring ({keyring}) accepts; nothing was written.",
        "Set cli_auth_credentials_store = \"file\" (or \"auto\", which falls back to auth.json) in $CODEX_HOME/config.toml.");

    public static CodexAuthException NotSupported(string platform) => new(
        CodexAuthFailureReason.KeyringUnavailable,
        $"There is no supported keyring on {platform}.",
        "Set cli_auth_credentials_store = \"file\" (or \"auto\") in $CODEX_HOME/config.toml.");
}
