using Codex.Auth.Storage;

namespace Codex.Auth.Tests.Infrastructure;

/// <summary>
/// A real <see cref="FileCredentialStore"/> whose writes fail on demand after <see cref="ICodexCredentialStore.EnsureWritableAsync"/>
/// passed — what a disk that fills up, or a CODEX_HOME made read-only, between the check and the write does (the tests run
/// as root, where a read-only directory does not stop writes, so the seam is the store).
/// </summary>
public sealed class FailingSaveStore : ICodexCredentialStore
{
    private readonly FileCredentialStore _inner;
    private readonly object _lock = new();
    private int _failuresLeft;
    private int _attempts;

    public FailingSaveStore(string codexHome) => _inner = new FileCredentialStore(codexHome);

    /// <summary>Gets how many saves were attempted (failed ones included).</summary>
    public int SaveAttempts
    {
        get
        {
            lock (_lock)
            {
                return _attempts;
            }
        }
    }

    public string Location => _inner.Location;

    /// <summary>Makes the next <paramref name="count"/> saves throw (as a full disk would: an <see cref="IOException"/>).</summary>
    public void FailNextSaves(int count)
    {
        lock (_lock)
        {
            _failuresLeft = count;
        }
    }

    public ValueTask<CodexAuthDocument?> LoadAsync(CancellationToken cancellationToken = default) => _inner.LoadAsync(cancellationToken);

    public ValueTask SaveAsync(CodexAuthDocument document, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _attempts++;
            if (_failuresLeft > 0)
            {
                _failuresLeft--;
                return ValueTask.FromException(new IOException("No space left on device : '" + _inner.Location + "'"));
            }
        }

        return _inner.SaveAsync(document, cancellationToken);
    }

    public ValueTask<bool> DeleteAsync(CancellationToken cancellationToken = default) => _inner.DeleteAsync(cancellationToken);

    public ValueTask<IAsyncDisposable> AcquireRefreshLockAsync(CancellationToken cancellationToken = default) => _inner.AcquireRefreshLockAsync(cancellationToken);

    public IDisposable Watch(Action onChanged) => _inner.Watch(onChanged);

    public ValueTask EnsureWritableAsync(CancellationToken cancellationToken = default) => _inner.EnsureWritableAsync(cancellationToken);
}
