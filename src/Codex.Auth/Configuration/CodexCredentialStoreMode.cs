namespace Codex.Auth.Configuration;

/// <summary>Where the Codex CLI keeps a sign-in: <c>cli_auth_credentials_store</c> in <c>$CODEX_HOME/config.toml</c> (PROTOCOL §1).</summary>
public enum CodexCredentialStoreMode
{
    /// <summary><c>file</c> (the default): <c>$CODEX_HOME/auth.json</c>.</summary>
    File = 0,

    /// <summary><c>keyring</c>: the operating system's keyring (Secret Service, macOS login keychain, Windows Credential Manager); an unusable keyring is an error.</summary>
    Keyring,

    /// <summary><c>auto</c>: the keyring, and on any keyring error <c>auth.json</c>.</summary>
    Auto,

    /// <summary><c>ephemeral</c>: process memory only; nothing is persisted.</summary>
    Ephemeral,
}
