using System.Security.Cryptography;
using System.Text;
using Codex.Auth.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Codex.Auth.Storage.Keyring;

/// <summary>
/// The Codex CLI's <c>keyring</c> store: the auth.json document kept as the secret of one entry in the operating
/// system's keyring — the Secret Service on Linux, the login keychain on macOS, the Credential Manager on Windows
/// (chosen at run time) — named exactly as the Codex CLI names it (PROTOCOL §1), so that either sees the other's sign-in.
/// </summary>
/// <remarks>
/// <para>
/// The document model is the file store's (unknown fields are kept), and so is the locking: the keyring only holds
/// the document, while <c>$CODEX_HOME/auth.lock</c> serializes refreshes and <c>auth.json.lock</c> writes, as the
/// Codex CLI does in keyring mode. A save removes a leftover <c>auth.json</c> and a delete removes both, as the
/// Codex CLI does. An entry that cannot be parsed is never rewritten.
/// </para>
/// <para>
/// <see cref="Watch"/> follows the Secret Service's item signals; where a keyring sends none (macOS, Windows, or a
/// lost bus connection) it reads the entry every <see cref="PollInterval"/> on a timer — never on the request path.
/// </para>
/// </remarks>
public sealed class KeyringCredentialStore : ICodexCredentialStore, IDisposable
{
    /// <summary>How often <see cref="Watch"/> reads the entry where the keyring sends no change signals.</summary>
    public static TimeSpan PollInterval { get; } = TimeSpan.FromSeconds(30);

    private readonly IKeyringBackend _backend;
    private readonly FileCredentialStore _files;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly bool _ownsBackend;

    /// <summary>Creates a store for the keyring entry of <paramref name="codexHome"/>, on this platform's keyring.</summary>
    /// <param name="codexHome">The Codex home directory; its canonical path names the entry. It need not exist until the first save.</param>
    /// <param name="timeProvider">The clock for the change poll; defaults to <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Receives watch diagnostics (no secrets).</param>
    public KeyringCredentialStore(string codexHome, TimeProvider? timeProvider = null, ILogger<KeyringCredentialStore>? logger = null)
        : this(codexHome, KeyringBackends.Shared, timeProvider, logger, ownsBackend: false)
    {
    }

    internal KeyringCredentialStore(string codexHome, IKeyringBackend backend, TimeProvider? timeProvider, ILogger? logger, bool ownsBackend = true)
    {
        _ownsBackend = ownsBackend;
        ArgumentException.ThrowIfNullOrEmpty(codexHome);
        _backend = backend;
        _files = new FileCredentialStore(codexHome);
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        Account = KeyringEntryName.ForCodexHome(_files.Directory);
    }

    /// <summary>Gets the Codex home directory.</summary>
    public string Directory => _files.Directory;

    /// <summary>The keyring entry's service name, <c>Codex Auth</c>.</summary>
    public const string Service = KeyringEntryName.Service;

    /// <summary>Gets the keyring entry's user (account) name: <c>cli|</c> + 16 hex characters derived from the Codex home.</summary>
    public string Account { get; }

    /// <summary>Gets the keyring's name: "Secret Service", "macOS keychain" or "Windows Credential Manager".</summary>
    public string KeyringName => _backend.Name;

    /// <inheritdoc />
    public string Location => "keyring: " + _backend.Name;

    /// <inheritdoc />
    public async ValueTask<CodexAuthDocument?> LoadAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string? text = await _backend.ReadAsync(Account, cancellationToken).ConfigureAwait(false);
        return text is null ? null : CodexAuthDocument.Parse(text, $"the {_backend.Name} entry '{Service}' / '{Account}'");
    }

    /// <inheritdoc />
    /// <exception cref="CodexAuthException">
    /// <see cref="CodexAuthFailureReason.KeyringUnavailable"/> or <see cref="CodexAuthFailureReason.CredentialTooLarge"/>; the previous entry is unchanged.
    /// </exception>
    public async ValueTask SaveAsync(CodexAuthDocument document, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        cancellationToken.ThrowIfCancellationRequested();
        EnsureDirectory();
        using (await FileLock.AcquireAsync(WriteLockPath, exclusive: true, cancellationToken).ConfigureAwait(false))
        {
            await _backend.WriteAsync(Account, document.ToCompactJson(), cancellationToken).ConfigureAwait(false);
            TryDeleteLeftoverFile();
        }
    }

    /// <inheritdoc />
    public async ValueTask<bool> DeleteAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!System.IO.Directory.Exists(Directory))
        {
            return await _backend.DeleteAsync(Account, cancellationToken).ConfigureAwait(false);
        }

        using (await FileLock.AcquireAsync(WriteLockPath, exclusive: true, cancellationToken).ConfigureAwait(false))
        {
            bool removed = await _backend.DeleteAsync(Account, cancellationToken).ConfigureAwait(false);
            return TryDeleteLeftoverFile() || removed;
        }
    }

    /// <inheritdoc />
    public ValueTask<IAsyncDisposable> AcquireRefreshLockAsync(CancellationToken cancellationToken = default) =>
        _files.AcquireRefreshLockAsync(cancellationToken);

    /// <inheritdoc />
    public IDisposable Watch(Action onChanged)
    {
        ArgumentNullException.ThrowIfNull(onChanged);
        var watch = new KeyringWatch(this, onChanged);
        watch.Start();
        return watch;
    }

    /// <summary>Releases a keyring client this store owns; the process-wide one (used by the public constructor) stays open.</summary>
    public void Dispose()
    {
        if (_ownsBackend)
        {
            _backend.Dispose();
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"KeyringCredentialStore {_backend.Name} '{Service}' / '{Account}'";

    private string WriteLockPath => Path.Combine(Directory, CodexHome.WriteLockFileName);

    private bool TryDeleteLeftoverFile()
    {
        try
        {
            if (!File.Exists(_files.FilePath))
            {
                return false;
            }

            File.Delete(_files.FilePath);
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            StorageLog.LeftoverFileNotRemoved(_logger, _files.FilePath, ex.GetType().Name);
            return false;
        }
    }

    private void EnsureDirectory()
    {
        if (System.IO.Directory.Exists(Directory))
        {
            return;
        }

        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(Directory);
        }
        else
        {
            System.IO.Directory.CreateDirectory(Directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    /// <summary>Signals when the keyring sends them; otherwise (or once they are lost) a poll that compares a hash of the secret.</summary>
    internal sealed class KeyringWatch(KeyringCredentialStore store, Action onChanged) : IDisposable
    {
        private readonly object _gate = new();
        private readonly CancellationTokenSource _stop = new();
        private IDisposable? _subscription;
        private ITimer? _timer;
        private byte[]? _lastHash;
        private Task _lastPoll = Task.CompletedTask;
        private int _polling;
        private bool _disposed;

        /// <summary>Gets a task that completes once the signals are subscribed to or polling has started.</summary>
        public Task Started { get; private set; } = Task.CompletedTask;

        public void Start() => Started = StartAsync();

        public void Dispose()
        {
            IDisposable? subscription;
            ITimer? timer;
            lock (_gate)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                subscription = _subscription;
                timer = _timer;
                _subscription = null;
                _timer = null;
            }

            _stop.Cancel();
            subscription?.Dispose();
            timer?.Dispose();
            _stop.Dispose();
        }

        private async Task StartAsync()
        {
            try
            {
                IDisposable? subscription = await store._backend.TrySubscribeAsync(store.Account, Changed, SubscriptionLost, _stop.Token).ConfigureAwait(false);
                if (subscription is not null)
                {
                    lock (_gate)
                    {
                        if (!_disposed)
                        {
                            _subscription = subscription;
                            subscription = null;
                        }
                    }

                    subscription?.Dispose();
                    StorageLog.KeyringWatchSignals(store._logger, store._backend.Name);
                    return;
                }
            }
            catch (Exception ex) when (ex is CodexAuthException or OperationCanceledException or ObjectDisposedException)
            {
                StorageLog.KeyringWatchFailed(store._logger, store._backend.Name, ex.GetType().Name);
            }

            await StartPollingAsync().ConfigureAwait(false);
        }

        private void SubscriptionLost()
        {
            // The change that ended the subscription may itself have been missed.
            Changed();
            _ = StartPollingAsync();
        }

        private void Changed()
        {
            if (!Volatile.Read(ref _disposed))
            {
                onChanged();
            }
        }

        /// <summary>Reads the entry once for a baseline, then every <see cref="PollInterval"/>.</summary>
        private async Task StartPollingAsync()
        {
            lock (_gate)
            {
                if (_disposed || _timer is not null)
                {
                    return;
                }

                _timer = store._timeProvider.CreateTimer(static s => ((KeyringWatch)s!).Poll(), this, PollInterval, PollInterval);
            }

            StorageLog.KeyringWatchPolling(store._logger, store._backend.Name, PollInterval);
            await PollAsync().ConfigureAwait(false);
        }

        /// <summary>Gets the most recent timer-driven read (tests wait on it).</summary>
        public Task LastPoll => Volatile.Read(ref _lastPoll);

        private void Poll() => Volatile.Write(ref _lastPoll, PollAsync());

        private async Task PollAsync()
        {
            if (Interlocked.Exchange(ref _polling, 1) != 0)
            {
                return;
            }

            try
            {
                string? text = await store._backend.ReadAsync(store.Account, _stop.Token).ConfigureAwait(false);
                byte[] hash = text is null ? [] : SHA256.HashData(Encoding.UTF8.GetBytes(text));
                byte[]? previous = Interlocked.Exchange(ref _lastHash, hash);
                if (previous is not null && !previous.AsSpan().SequenceEqual(hash))
                {
                    Changed();
                }
            }
            catch (Exception ex) when (ex is CodexAuthException or OperationCanceledException or ObjectDisposedException)
            {
                // A keyring that is briefly unavailable is not a change; the next tick tries again.
            }
            finally
            {
                Volatile.Write(ref _polling, 0);
            }
        }
    }
}
