namespace Codex.Auth.Internal;

/// <summary>
/// One initialization shared by every concurrent caller (a single flight). It runs under no caller's cancellation;
/// when it fails, every waiter sees the failure and the next call starts a new attempt (the store or the network may
/// have been fixed).
/// </summary>
/// <typeparam name="T">The result.</typeparam>
internal sealed class SharedInitialization<T>
{
    private readonly Func<Task<T>> _run;
    private Task<T>? _current;

    public SharedInitialization(Func<Task<T>> run) => _run = run;

    /// <summary>The running or completed attempt, starting one when there is none.</summary>
    public Task<T> GetAsync()
    {
        Task<T>? existing = Volatile.Read(ref _current);
        if (existing is not null)
        {
            return existing;
        }

        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        existing = Interlocked.CompareExchange(ref _current, completion.Task, null);
        if (existing is not null)
        {
            return existing;
        }

        _ = RunAsync(completion);
        return completion.Task;
    }

    private async Task RunAsync(TaskCompletionSource<T> completion)
    {
        try
        {
            completion.SetResult(await _run().ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            _ = Interlocked.CompareExchange(ref _current, null, completion.Task);
            completion.SetException(ex);

            // Mark it observed: every waiter may have given up (cancelled), which must not raise UnobservedTaskException.
            _ = completion.Task.Exception;
        }
    }
}
