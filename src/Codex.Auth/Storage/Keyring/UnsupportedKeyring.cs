namespace Codex.Auth.Storage.Keyring;

/// <summary>A platform without a supported keyring: every operation is a typed error (so <c>auto</c> falls back to the file).</summary>
internal sealed class UnsupportedKeyring(string platform) : IKeyringBackend
{
    public string Name => "no keyring";

    public int MaxSecretBytes => 0;

    public ValueTask<string?> ReadAsync(string user, CancellationToken cancellationToken) => throw KeyringErrors.NotSupported(platform);

    public ValueTask WriteAsync(string user, string secret, CancellationToken cancellationToken) => throw KeyringErrors.NotSupported(platform);

    public ValueTask<bool> DeleteAsync(string user, CancellationToken cancellationToken) => throw KeyringErrors.NotSupported(platform);

    public ValueTask<IDisposable?> TrySubscribeAsync(string user, Action onChanged, Action onLost, CancellationToken cancellationToken) => new((IDisposable?)null);

    public void Dispose()
    {
    }
}
