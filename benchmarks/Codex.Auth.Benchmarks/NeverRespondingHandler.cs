namespace Codex.Auth.Benchmarks;

/// <summary>A token endpoint that never answers, so that a background refresh stays in flight for the whole run.</summary>
public sealed class NeverRespondingHandler : HttpMessageHandler
{
    private readonly TaskCompletionSource<HttpResponseMessage> _never = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Gets how many requests it has received.</summary>
    public int Requests => Volatile.Read(ref _requests);

    private int _requests;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _requests);
        return _never.Task;
    }
}
