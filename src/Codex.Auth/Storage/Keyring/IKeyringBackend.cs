namespace Codex.Auth.Storage.Keyring;

/// <summary>
/// One platform keyring: reads, writes and deletes the secret of one entry (service <c>Codex Auth</c>, a user name).
/// Failures are <see cref="CodexAuthException"/>s with <see cref="CodexAuthFailureReason.KeyringUnavailable"/> or
/// <see cref="CodexAuthFailureReason.CredentialTooLarge"/>; messages never contain the secret.
/// </summary>
internal interface IKeyringBackend : IDisposable
{
    /// <summary>Gets the keyring's name for messages and <c>status</c>, for example "Secret Service".</summary>
    string Name { get; }

    /// <summary>Gets the largest secret, in bytes of the encoded form, the keyring accepts from us.</summary>
    int MaxSecretBytes { get; }

    /// <summary>Reads the entry's secret as text; <see langword="null"/> when there is no entry.</summary>
    ValueTask<string?> ReadAsync(string user, CancellationToken cancellationToken);

    /// <summary>Creates or replaces the entry's secret.</summary>
    ValueTask WriteAsync(string user, string secret, CancellationToken cancellationToken);

    /// <summary>Deletes the entry; <see langword="false"/> when there was none.</summary>
    ValueTask<bool> DeleteAsync(string user, CancellationToken cancellationToken);

    /// <summary>
    /// Subscribes to change notifications the keyring itself sends (Secret Service signals); <see langword="null"/>
    /// when it sends none, and the store polls instead. <paramref name="onLost"/> is called once if the subscription ends (the bus connection closed).
    /// </summary>
    ValueTask<IDisposable?> TrySubscribeAsync(string user, Action onChanged, Action onLost, CancellationToken cancellationToken);
}
