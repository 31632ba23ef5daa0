using System.Diagnostics;
using Codex.Auth.Diagnostics;
using Codex.Auth.Internal;
using Codex.Auth.Storage;
using Microsoft.Extensions.Logging;

namespace Codex.Auth.ChatGpt;

/// <summary>
/// The ChatGPT provider's state and its cross-process refresh protocol: the published <see cref="TokenState"/>; one shared
/// refresh at a time; under <c>auth.lock</c> re-read → adopt what another process wrote → POST → save (with
/// <see cref="UnsavedTokens"/> when the save fails); <c>refresh_token_reused</c> handling; remembered permanent failures;
/// background refresh scheduling.
/// </summary>
internal sealed class RefreshCoordinator : IDisposable
{
    private readonly ICodexCredentialStore _store;
    private readonly TokenRefreshClient _refreshClient;
    private readonly RefreshPolicy _policy;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TimeSpan _backgroundRetryDelay;
    private readonly TimeSpan _reusedTokenGracePeriod;
    private readonly Action<TokenRefreshedEventArgs> _refreshed;
    private readonly Action<RefreshFailedEventArgs> _backgroundFailed;
    private readonly CancellationTokenSource _disposed = new();
    private readonly object _gate = new();

    // Serializes refreshes and save retries within this process (auth.lock serializes processes).
    private readonly SemaphoreSlim _exclusive = new(1, 1);
    private readonly UnsavedTokens _unsaved;

    private volatile TokenState? _state;
    private Task<TokenState>? _refresh;
    private int _storeChanged;
    private long _nextBackgroundAttemptTicks;
    private CodexAuthException? _lastRefreshFailure;
    private int _permissionsChecked;

    public RefreshCoordinator(
        ChatGptTokenProviderOptions options,
        ICodexCredentialStore store,
        TokenRefreshClient refreshClient,
        TimeProvider time,
        ILogger logger,
        Action<TokenRefreshedEventArgs> refreshed,
        Action<RefreshFailedEventArgs> backgroundFailed,
        Action<RefreshFailedEventArgs> saveFailed)
    {
        _store = store;
        _refreshClient = refreshClient;
        _policy = new RefreshPolicy(options.RefreshBeforeExpiry, options.RefreshIntervalWithoutExpiry);
        _time = time;
        _logger = logger;
        _backgroundRetryDelay = options.BackgroundRetryDelay;
        _reusedTokenGracePeriod = options.ReusedTokenGracePeriod;
        _refreshed = refreshed;
        _backgroundFailed = backgroundFailed;
        _unsaved = new UnsavedTokens(store, time, logger, _exclusive, MarkStoreChanged, saveFailed);
    }

    /// <summary>Gets the published snapshot (read lock-free on the hot path), or <see langword="null"/> before the first load.</summary>
    public TokenState? Current => _state;

    /// <summary>Gets whether the store may have changed since it was last read.</summary>
    public bool StoreChanged => Volatile.Read(ref _storeChanged) != 0;

    public CodexAuthException? LastRefreshFailure => Volatile.Read(ref _lastRefreshFailure);

    public CodexAuthException? PendingSaveFailure => _unsaved.Failure;

    /// <summary>The store's watch: the next request reloads.</summary>
    public void OnStoreChanged()
    {
        MarkStoreChanged();
        Log.StoreChanged(_logger, _store.Location);
    }

    /// <summary>Re-reads the store and publishes what it holds (a permanent failure for another account is remembered).</summary>
    public async ValueTask<TokenState> ReloadAsync(CancellationToken cancellationToken)
    {
        Volatile.Write(ref _storeChanged, 0);
        TokenState? before = _state;
        CodexAuthDocument? document = _unsaved.Reconcile(await _store.LoadAsync(cancellationToken).ConfigureAwait(false));
        TokenState? current = _state;
        if (current is not null && document is not null && current.Document.HasSameCredentials(document))
        {
            return current;
        }

        TokenState state = current is null ? ToState(document) : ToStateOrRemember(document, current);
        lock (_gate)
        {
            if (!ReferenceEquals(_state, before) && _state is { } newer)
            {
                // A refresh published while we were reading: what we read may predate its save. Keep the
                // published state and look at the store again on the next call.
                Volatile.Write(ref _storeChanged, 1);
                return newer;
            }

            _state = state;
        }

        Log.Reloaded(_logger, _store.Location, state.Headers.Fingerprint);
        if (Interlocked.Exchange(ref _permissionsChecked, 1) == 0 && _store is FileCredentialStore file)
        {
            foreach (string warning in file.CheckPermissions())
            {
                Log.InsecurePermissions(_logger, warning);
            }
        }

        return state;
    }

    /// <summary>Joins the refresh in flight, or starts one from <paramref name="basis"/>.</summary>
    public Task<TokenState> RefreshAsync(TokenState basis, RefreshReason reason)
    {
        lock (_gate)
        {
            if (_refresh is { IsCompleted: false } running)
            {
                return running;
            }

            // Task.Run: the refresh never runs on, nor is cancelled by, a caller's context.
            Task<TokenState> task = Task.Run(() => RefreshCoreAsync(basis, reason, _disposed.Token));
            _refresh = task;
            return task;
        }
    }

    /// <summary>Gets whether a refresh is in flight.</summary>
    public bool IsRefreshing => Volatile.Read(ref _refresh) is { IsCompleted: false };

    /// <summary>Inside the refresh window: starts one background refresh unless one runs or a failed one is backing off.</summary>
    public void StartBackgroundRefresh(TokenState state, DateTimeOffset now)
    {
        if (now.UtcTicks < Volatile.Read(ref _nextBackgroundAttemptTicks) || IsRefreshing)
        {
            return;
        }

        _ = RefreshAsync(state, RefreshReason.ProactiveExpiry).ContinueWith(
            static (task, self) => ((RefreshCoordinator)self!).OnBackgroundRefreshCompleted(task),
            this,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
    }

    public void Dispose()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        _disposed.Cancel();
        _unsaved.Dispose();
    }

    private void MarkStoreChanged() => Volatile.Write(ref _storeChanged, 1);

    private void OnBackgroundRefreshCompleted(Task<TokenState> task)
    {
        if (task.IsCompletedSuccessfully || _disposed.IsCancellationRequested)
        {
            return;
        }

        CodexAuthException error = task.Exception?.InnerException as CodexAuthException
            ?? new CodexAuthException(CodexAuthFailureReason.RefreshFailed, "The background refresh failed unexpectedly.", "It is retried automatically.", task.Exception?.InnerException);
        DateTimeOffset next = _time.GetUtcNow() + _backgroundRetryDelay;
        Volatile.Write(ref _nextBackgroundAttemptTicks, next.UtcTicks);
        Log.BackgroundRefreshFailed(_logger, error.Reason, next);
        _backgroundFailed(new RefreshFailedEventArgs(error, next));
    }

    private async Task<TokenState> RefreshCoreAsync(TokenState basis, RefreshReason reason, CancellationToken cancellationToken)
    {
        using Activity? activity = Instrumentation.StartActivity(CodexAuthTelemetry.RefreshActivityName);
        if (activity is not null)
        {
            activity.SetTag(CodexAuthTelemetry.RefreshReasonTag, reason.ToTagValue());
            activity.SetTag(CodexAuthTelemetry.CredentialFingerprintTag, basis.Headers.Fingerprint);
        }

        Log.Refreshing(_logger, reason.ToTagValue(), basis.Headers.Fingerprint);
        try
        {
            (TokenState state, string outcome) = await RefreshExclusiveAsync(basis, reason, cancellationToken).ConfigureAwait(false);
            Instrumentation.RecordRefresh(outcome, reason);
            activity?.SetTag(CodexAuthTelemetry.OutcomeTag, outcome);

            // Events: after the new state is published and auth.lock released.
            _refreshed(new TokenRefreshedEventArgs(reason, outcome == "adopted", state.Headers.Fingerprint, state.ExpiresAt));
            _unsaved.RaiseRecorded();
            return state;
        }
        catch (Exception ex)
        {
            bool permanent = RefreshPolicy.IsPermanent(ex);
            Instrumentation.RecordRefresh(permanent ? "permanent_failure" : "transient_failure", reason);
            if (!permanent && ex is CodexAuthException transient)
            {
                Log.RefreshFailed(_logger, transient.Reason);
            }

            activity?.SetFailure(ex);
            _unsaved.RaiseRecorded();
            throw;
        }
    }

    private async Task<(TokenState State, string Outcome)> RefreshExclusiveAsync(TokenState basis, RefreshReason reason, CancellationToken cancellationToken)
    {
        await _exclusive.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await RefreshUnderLockAsync(basis, reason, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _exclusive.Release();
        }
    }

    private async Task<(TokenState State, string Outcome)> RefreshUnderLockAsync(TokenState basis, RefreshReason reason, CancellationToken cancellationToken)
    {
        IAsyncDisposable? held = await _store.AcquireRefreshLockAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Re-read under the lock: another process may have refreshed, signed out or signed in as someone else.
            Volatile.Write(ref _storeChanged, 0);
            CodexAuthDocument? document = _unsaved.Reconcile(await _store.LoadAsync(cancellationToken).ConfigureAwait(false));

            // Tokens from an earlier refresh still unsaved: this lock is a chance to write them before anything else.
            await _unsaved.SavePendingAsync().ConfigureAwait(false);
            TokenState current = _state is { Failure: null } published && ReferenceEquals(published.Document, document)
                ? published
                : ToStateOrRemember(document, basis);
            if (!current.Tokens.Equals(basis.Tokens))
            {
                Publish(current);
                Log.Adopted(_logger, current.Headers.Fingerprint);
                if (reason == RefreshReason.UnauthorizedRecovery || _time.GetUtcNow() < current.RefreshAt)
                {
                    Succeeded();
                    return (current, "adopted");
                }
            }

            // The refresh token is single-use: spend it only when the new tokens can be written. Not so while earlier
            // tokens are unsaved: the store's refresh token is spent already and the one in memory is the only live one,
            // so spending it keeps requests working and loses nothing (its successor is kept the same way).
            if (_unsaved.Pending is null)
            {
                try
                {
                    await _store.EnsureWritableAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (CodexAuthException ex)
                {
                    Volatile.Write(ref _lastRefreshFailure, ex);
                    throw;
                }
            }

            TokenRefreshResult result;
            try
            {
                result = await _refreshClient.RefreshAsync(current.Tokens.RefreshToken, reason, cancellationToken).ConfigureAwait(false);
            }
            catch (CodexAuthException ex) when (ex.Reason == CodexAuthFailureReason.RefreshTokenReused)
            {
                // Someone spent the token without taking the lock (the Codex CLI POSTs before locking).
                // Release the lock so they can write, and watch for their tokens.
                await held.DisposeAsync().ConfigureAwait(false);
                held = null;
                TokenState? adopted = await WaitForRefreshByOtherAsync(current, cancellationToken).ConfigureAwait(false);
                if (adopted is not null)
                {
                    Succeeded();
                    Publish(adopted);
                    Log.Adopted(_logger, adopted.Headers.Fingerprint);
                    return (adopted, "adopted");
                }

                throw Remember(current, ex);
            }
            catch (CodexAuthException ex) when (ex.RequiresSignIn)
            {
                throw Remember(current, ex);
            }
            catch (CodexAuthException ex)
            {
                Volatile.Write(ref _lastRefreshFailure, ex);
                throw;
            }

            DateTimeOffset now = _time.GetUtcNow();
            CodexAuthDocument updated = current.Document.WithRefreshedTokens(result.IdToken, result.AccessToken, result.RefreshToken, now);
            TokenState refreshed;
            try
            {
                // Check the answer before writing it: a token that cannot be used must not replace one that can.
                // Clock-skew correction is for a token that came in this answer; an answer without access_token keeps the
                // current token, whose expiry must not move.
                refreshed = ToState(updated, receivedAt: result.AccessToken is null ? null : now);
            }
            catch (CodexAuthException unusable) when (unusable.Reason == CodexAuthFailureReason.MalformedToken)
            {
                throw await RejectUnusableAnswerAsync(current, result, unusable).ConfigureAwait(false);
            }

            // The refresh token just sent is spent: if the new tokens cannot be written they are still used (from memory).
            await _unsaved.SaveOrDeferAsync(updated, current.Tokens).ConfigureAwait(false);

            // Clear the failure first: whoever sees the new token must not still see the old failure.
            Succeeded();
            Publish(refreshed);
            Log.Refreshed(_logger, reason.ToTagValue(), refreshed.Headers.Fingerprint, refreshed.ExpiresAt);
            return (refreshed, "success");
        }
        finally
        {
            if (held is not null)
            {
                await held.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The token endpoint answered 2xx with a token that cannot be used (not a JWT, undecodable claims, characters a header
    /// cannot carry). Its refresh token may already have replaced the one just spent, so that one is kept — in the store and
    /// in memory — beside the current, usable access token; the refresh then fails as a transient error and is retried.
    /// </summary>
    private async Task<CodexAuthException> RejectUnusableAnswerAsync(TokenState current, TokenRefreshResult result, CodexAuthException unusable)
    {
        if (result.RefreshToken is { } rotated && !string.Equals(rotated, current.Tokens.RefreshToken, StringComparison.Ordinal))
        {
            CodexAuthDocument kept = current.Document.WithRefreshedTokens(null, null, rotated, current.Document.LastRefresh ?? _time.GetUtcNow());
            await _unsaved.SaveOrDeferAsync(kept, current.Tokens).ConfigureAwait(false);
            Publish(ToState(kept));
        }

        var failure = new CodexAuthException(
            CodexAuthFailureReason.RefreshFailed,
            "Refreshing the ChatGPT token failed: the token endpoint answered with a token that cannot be used (" + unusable.Reason + "). The current token is kept.",
            "This is usually temporary; the refresh is retried automatically.",
            unusable);
        Volatile.Write(ref _lastRefreshFailure, failure);
        return failure;
    }

    private async Task<TokenState?> WaitForRefreshByOtherAsync(TokenState spent, CancellationToken cancellationToken)
    {
        DateTimeOffset deadline = _time.GetUtcNow() + _reusedTokenGracePeriod;
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable watch = _store.Watch(() => changed.TrySetResult());
        while (true)
        {
            CodexAuthDocument? document;
            try
            {
                document = await _store.LoadAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (CodexAuthException ex) when (ex.Reason == CodexAuthFailureReason.MalformedStore)
            {
                // The other program may be in the middle of a non-atomic write (truncate, then write): look again.
                document = null;
            }

            if (document?.Tokens is { } tokens && !tokens.Equals(spent.Tokens) && !_unsaved.IsSpent(document)
                && string.Equals(tokens.AccountId, spent.Tokens.AccountId, StringComparison.Ordinal))
            {
                return ToState(document);
            }

            TimeSpan remaining = deadline - _time.GetUtcNow();
            if (remaining <= TimeSpan.Zero)
            {
                return null;
            }

            // Wake on a store change, or poll every 100 ms for stores that cannot be watched.
            Task delay = Task.Delay(remaining < TimeSpan.FromMilliseconds(100) ? remaining : TimeSpan.FromMilliseconds(100), _time, cancellationToken);
            await Task.WhenAny(delay, changed.Task).ConfigureAwait(false);
            if (changed.Task.IsCompleted)
            {
                changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    private TokenState ToState(CodexAuthDocument? document, DateTimeOffset? receivedAt = null) =>
        _policy.ToState(document, _store.Location, _time.GetUtcNow(), receivedAt);

    /// <summary>Like <see cref="ToState"/>; another account than <paramref name="basis"/>'s is a remembered <c>AccountMismatch</c>.</summary>
    private TokenState ToStateOrRemember(CodexAuthDocument? document, TokenState basis)
    {
        TokenState current = ToState(document);
        if (basis.Tokens.AccountId is { Length: > 0 } before && current.Tokens.AccountId is { Length: > 0 } after
            && !string.Equals(before, after, StringComparison.Ordinal))
        {
            var mismatch = new CodexAuthException(
                CodexAuthFailureReason.AccountMismatch,
                $"{_store.Location} is now signed in to another account ({after}) than the one in use ({before}).",
                "Restart the application to use the new account, or run `codex login` to sign in to the expected one.");
            throw Remember(basis, mismatch);
        }

        return current;
    }

    /// <summary>Remembers a permanent failure for <paramref name="state"/>'s credentials: requests throw it without I/O until the store changes.</summary>
    private CodexAuthException Remember(TokenState state, CodexAuthException failure)
    {
        lock (_gate)
        {
            if (_state is null || _state.Tokens.Equals(state.Tokens))
            {
                _state = state.WithFailure(failure);
            }
        }

        Volatile.Write(ref _lastRefreshFailure, failure);
        Log.PermanentFailure(_logger, failure.Reason);
        return failure;
    }

    private void Publish(TokenState state)
    {
        lock (_gate)
        {
            _state = state;
        }
    }

    private void Succeeded()
    {
        Volatile.Write(ref _lastRefreshFailure, null);
        Volatile.Write(ref _nextBackgroundAttemptTicks, 0);
    }
}
