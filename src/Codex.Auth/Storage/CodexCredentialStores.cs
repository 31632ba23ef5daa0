using System.Collections.Concurrent;
using Codex.Auth.Configuration;
using Codex.Auth.Storage.Keyring;
using Microsoft.Extensions.Logging;

namespace Codex.Auth.Storage;

/// <summary>
/// Creates the credential store a <see cref="CodexConfiguration"/> names (<c>cli_auth_credentials_store</c>):
/// <see cref="FileCredentialStore"/>, <see cref="KeyringCredentialStore"/>, <see cref="AutoCredentialStore"/> or, for
/// <c>ephemeral</c>, an <see cref="InMemoryCredentialStore"/> shared by everything in the process that uses the same Codex home.
/// </summary>
public static class CodexCredentialStores
{
    private static readonly ConcurrentDictionary<string, InMemoryCredentialStore> s_ephemeral = new(StringComparer.Ordinal);

    /// <summary>Creates the configured store.</summary>
    /// <param name="configuration">The resolved configuration.</param>
    /// <param name="loggerFactory">Receives the stores' diagnostics (keyring fall-backs); optional.</param>
    /// <param name="timeProvider">The clock for the keyring's change poll; defaults to <see cref="TimeProvider.System"/>.</param>
    /// <returns>The store.</returns>
    public static ICodexCredentialStore Create(CodexConfiguration configuration, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        string home = configuration.CodexHome;
        return configuration.CredentialsStore switch
        {
            CodexCredentialStoreMode.Keyring => Keyring(configuration, timeProvider, loggerFactory),
            CodexCredentialStoreMode.Auto => new AutoCredentialStore(
                Keyring(configuration, timeProvider, loggerFactory),
                new FileCredentialStore(home),
                loggerFactory?.CreateLogger<AutoCredentialStore>()),
            CodexCredentialStoreMode.Ephemeral => s_ephemeral.GetOrAdd(KeyringEntryName.ForCodexHome(home), static _ => new InMemoryCredentialStore()),
            _ => new FileCredentialStore(home),
        };
    }

    private static KeyringCredentialStore Keyring(CodexConfiguration configuration, TimeProvider? timeProvider, ILoggerFactory? loggerFactory) =>
        new(configuration.CodexHome, KeyringBackends.For(configuration.Environment), timeProvider, loggerFactory?.CreateLogger<KeyringCredentialStore>(), ownsBackend: false);

    /// <summary>
    /// Says where a store keeps the sign-in, for people: <c>file: /home/me/.codex/auth.json</c>,
    /// <c>keyring: Secret Service</c>, <c>ephemeral</c>; for <c>auto</c>, the one in use, with the reason for a fall-back.
    /// </summary>
    /// <param name="store">The store.</param>
    /// <returns>The description.</returns>
    public static string Describe(ICodexCredentialStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store switch
        {
            FileCredentialStore file => "file: " + file.FilePath,
            KeyringCredentialStore keyring => "keyring: " + keyring.KeyringName,
            AutoCredentialStore { UsesFile: true, FallbackReason: { } reason } auto => $"file: {auto.File.FilePath} (auto; {reason})",
            AutoCredentialStore { UsesFile: true } auto => $"file: {auto.File.FilePath} (auto)",
            AutoCredentialStore auto => $"keyring: {auto.Keyring.KeyringName} (auto)",
            InMemoryCredentialStore => "ephemeral",
            _ => store.Location,
        };
    }
}
