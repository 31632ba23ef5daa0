using Codex.Auth.Diagnostics;
using Codex.Auth.Internal;
using Codex.Auth.Storage;
using Microsoft.Extensions.Logging;

namespace Codex.Auth.ChatGpt;

/// <summary>
/// Refreshed tokens the store could not write (issue 12): they are kept as a <see cref="PendingSave"/> and used from
/// memory, the store's spent refresh token is never used again (<see cref="Reconcile"/>), the save is retried with backoff
/// on the clock and before every refresh, and each failure and the recovery are reported.
/// </summary>
internal sealed class UnsavedTokens : IDisposable
{
    private readonly ICodexCredentialStore _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _exclusive;
    private readonly Action _storeSuperseded;
    private readonly Action<RefreshFailedEventArgs> _saveFailed;
    private readonly CancellationTokenSource _disposed = new();
    private readonly object _gate = new();
    private PendingSave? _pending;
    private ITimer? _retryTimer;
    private RefreshFailedEventArgs? _toRaise;

    /// <param name="store">The store.</param>
    /// <param name="time">The clock for the retry backoff.</param>
    /// <param name="logger">The provider's logger.</param>
    /// <param name="exclusive">Serializes refreshes and save retries in this process.</param>
    /// <param name="storeSuperseded">Called when the store turned out to hold newer credentials: reload them.</param>
    /// <param name="saveFailed">Raises <c>SaveFailed</c>; called outside every lock.</param>
    public UnsavedTokens(ICodexCredentialStore store, TimeProvider time, ILogger logger, SemaphoreSlim exclusive, Action storeSuperseded, Action<RefreshFailedEventArgs> saveFailed)
    {
        _store = store;
        _time = time;
        _logger = logger;
        _exclusive = exclusive;
        _storeSuperseded = storeSuperseded;
        _saveFailed = saveFailed;
    }

    /// <summary>Gets why the tokens in use could not be saved, or <see langword="null"/> when the store holds them.</summary>
    public CodexAuthException? Failure => Volatile.Read(ref _pending)?.Error;

    /// <summary>Gets the pending save, if any.</summary>
    public PendingSave? Pending => Volatile.Read(ref _pending);

    /// <summary>
    /// Applies <see cref="PendingSave"/>'s rule to a document just read from the store: while tokens are unsaved, reading
    /// back the spent tokens yields the unsaved document (so the spent refresh token is never used again); reading the
    /// unsaved tokens ends the pending save as saved; anything else was written later, wins, and ends it.
    /// </summary>
    public CodexAuthDocument? Reconcile(CodexAuthDocument? stored)
    {
        if (Volatile.Read(ref _pending) is not { } pending)
        {
            return stored;
        }

        switch (pending.Classify(stored))
        {
            case StoreVersusPending.StillSpent:
                return pending.Document;
            case StoreVersusPending.Saved:
                End(pending, saved: true);
                return stored;
            default:
                End(pending, saved: false);
                return stored;
        }
    }

    /// <summary>Whether <paramref name="stored"/> is the spent lineage a pending save replaces (so never to be adopted).</summary>
    public bool IsSpent(CodexAuthDocument? stored) => Volatile.Read(ref _pending)?.Classify(stored) is StoreVersusPending.StillSpent;

    /// <summary>Writes <paramref name="document"/>; when that fails, keeps it as the pending save and schedules a retry.</summary>
    /// <param name="document">The newest tokens.</param>
    /// <param name="storeHeld">The tokens the store holds (the spent ones, unless a save was already pending).</param>
    public async Task SaveOrDeferAsync(CodexAuthDocument document, CodexTokens storeHeld)
    {
        PendingSave? before = Volatile.Read(ref _pending);
        try
        {
            await _store.SaveAsync(document, CancellationToken.None).ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Whatever the store throws, the tokens it could not write are the only live ones: keep them.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Defer(document, before?.SpentTokens ?? storeHeld, before?.Failures ?? 0, ex);
            return;
        }

        if (before is not null)
        {
            End(before, saved: true);
        }
    }

    /// <summary>Under the refresh lock, before anything else: writes the pending tokens, if any.</summary>
    public Task SavePendingAsync() =>
        Volatile.Read(ref _pending) is { } pending ? SaveOrDeferAsync(pending.Document, pending.SpentTokens) : Task.CompletedTask;

    /// <summary>Raises the <c>SaveFailed</c> recorded since the last call, if any; call outside every lock.</summary>
    public void RaiseRecorded()
    {
        if (Interlocked.Exchange(ref _toRaise, null) is { } args)
        {
            _saveFailed(args);
        }
    }

    /// <summary>Stops the retries; unsaved tokens are lost with this process, which the log says.</summary>
    public void Dispose()
    {
        _disposed.Cancel();
        lock (_gate)
        {
            _retryTimer?.Dispose();
            _retryTimer = null;
        }

        if (Volatile.Read(ref _pending) is { } pending)
        {
            Log.UnsavedTokensLost(_logger, Fingerprints.Of(pending.Document.Tokens!.AccessToken), _store.Location);
        }
    }

    private void Defer(CodexAuthDocument document, CodexTokens spent, int failuresBefore, Exception cause)
    {
        CodexAuthFailureReason reason = cause is CodexAuthException store ? store.Reason : CodexAuthFailureReason.StoreUnavailable;
        var error = new CodexAuthException(
            reason,
            $"The refreshed ChatGPT tokens could not be saved to {_store.Location} ({cause.GetType().Name}). They are used from memory and the save is retried; "
            + $"until it succeeds, {_store.Location} holds a refresh token that has been spent, so another program reading it, or this one after a restart, must sign in again.",
            $"Make {_store.Location} writable again (permissions, free disk space, the store's server); the save is retried automatically.",
            cause);
        int failures = failuresBefore + 1;
        TimeSpan delay = PendingSave.RetryDelay(failures);
        var pending = new PendingSave(document, spent, error, failures, _time.GetUtcNow() + delay);
        lock (_gate)
        {
            _pending = pending;
            _retryTimer?.Dispose();
            _retryTimer = _disposed.IsCancellationRequested
                ? null
                : _time.CreateTimer(static self => ((UnsavedTokens)self!).OnRetryDue(), this, delay, Timeout.InfiniteTimeSpan);
        }

        Instrumentation.RecordStoreSaveFailure(reason);
        Log.SaveFailed(_logger, Fingerprints.Of(document.Tokens!.AccessToken), _store.Location, reason, cause.GetType().Name, pending.NextAttemptAt, failures);
        Volatile.Write(ref _toRaise, new RefreshFailedEventArgs(error, pending.NextAttemptAt));
    }

    private void End(PendingSave pending, bool saved)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_pending, pending))
            {
                return;
            }

            _pending = null;
            _retryTimer?.Dispose();
            _retryTimer = null;
        }

        string fingerprint = Fingerprints.Of(pending.Document.Tokens!.AccessToken);
        if (saved)
        {
            Instrumentation.RecordStoreSaveRecovery();
            Log.SaveRecovered(_logger, fingerprint, _store.Location, pending.Failures);
        }
        else
        {
            _storeSuperseded();
            Log.UnsavedTokensSuperseded(_logger, _store.Location, fingerprint);
        }
    }

    private void OnRetryDue() => _ = Task.Run(RetryAsync);

    /// <summary>Retries the pending save under the refresh lock, unless the store meanwhile holds something newer.</summary>
    private async Task RetryAsync()
    {
        CancellationToken cancellationToken = _disposed.Token;
        try
        {
            await _exclusive.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                if (Volatile.Read(ref _pending) is null)
                {
                    return;
                }

                IAsyncDisposable held = await _store.AcquireRefreshLockAsync(cancellationToken).ConfigureAwait(false);
                try
                {
                    Reconcile(await _store.LoadAsync(cancellationToken).ConfigureAwait(false));
                    await SavePendingAsync().ConfigureAwait(false);
                }
                finally
                {
                    await held.DisposeAsync().ConfigureAwait(false);
                }
            }
            finally
            {
                _exclusive.Release();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
#pragma warning disable CA1031 // The lock or the read failed (a malformed file is never overwritten): try again later.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            if (Volatile.Read(ref _pending) is { } pending)
            {
                Defer(pending.Document, pending.SpentTokens, pending.Failures, ex);
            }
        }

        RaiseRecorded();
    }
}
