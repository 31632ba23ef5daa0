namespace Codex.Auth.Storage;

/// <summary>A credential store in process memory (Codex's <c>ephemeral</c> store), for tests and hosts that supply credentials.</summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Reliability", "CA1001", Justification = "SemaphoreSlim owns no OS handle unless AvailableWaitHandle is used, which it never is here.")]
public sealed class InMemoryCredentialStore : ICodexCredentialStore
{
    private readonly SemaphoreSlim _refreshLock = new(1, 1);
    private readonly object _gate = new();
    private CodexAuthDocument? _document;
    private Action? _listeners;

    /// <summary>Creates a store holding <paramref name="document"/>.</summary>
    /// <param name="document">The initial document, or <see langword="null"/>.</param>
    public InMemoryCredentialStore(CodexAuthDocument? document = null) => _document = document;

    /// <inheritdoc />
    public string Location => "memory";

    /// <inheritdoc />
    public ValueTask<CodexAuthDocument?> LoadAsync(CancellationToken cancellationToken = default) => new(Volatile.Read(ref _document));

    /// <inheritdoc />
    public ValueTask SaveAsync(CodexAuthDocument document, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        Volatile.Write(ref _document, document);
        Notify();
        return default;
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(CancellationToken cancellationToken = default)
    {
        bool had = Interlocked.Exchange(ref _document, null) is not null;
        Notify();
        return new ValueTask<bool>(had);
    }

    /// <inheritdoc />
    public async ValueTask<IAsyncDisposable> AcquireRefreshLockAsync(CancellationToken cancellationToken = default)
    {
        await _refreshLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Releaser(_refreshLock);
    }

    /// <inheritdoc />
    public IDisposable Watch(Action onChanged)
    {
        ArgumentNullException.ThrowIfNull(onChanged);
        lock (_gate)
        {
            _listeners += onChanged;
        }

        return new Subscription(this, onChanged);
    }

    private void Notify()
    {
        Action? listeners;
        lock (_gate)
        {
            listeners = _listeners;
        }

        listeners?.Invoke();
    }

    private sealed class Releaser(SemaphoreSlim semaphore) : IAsyncDisposable
    {
        private int _released;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                semaphore.Release();
            }

            return default;
        }
    }

    private sealed class Subscription(InMemoryCredentialStore store, Action listener) : IDisposable
    {
        public void Dispose()
        {
            lock (store._gate)
            {
                store._listeners -= listener;
            }
        }
    }
}
