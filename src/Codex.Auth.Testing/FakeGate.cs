namespace Codex.Auth.Testing;

/// <summary>
/// Holds one server response until the test releases it, so that a test can line up a race
/// (for example a second refresh while the first is in flight) without sleeping.
/// </summary>
/// <example>
/// <code>
/// FakeGate gate = server.TokenFaults.HoldNextResponse();
/// Task&lt;HttpResponseMessage&gt; refresh = client.PostAsync(server.TokenEndpoint, body);
/// await gate.Reached;      // the request is now waiting inside the server
/// // ... do something while the refresh is in flight ...
/// gate.Release();          // the server now answers it normally
/// </code>
/// </example>
public sealed class FakeGate
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    internal FakeGate()
    {
    }

    /// <summary>Completes when a request has arrived and is being held by this gate.</summary>
    public Task Reached => _reached.Task;

    /// <summary>Gets a value indicating whether <see cref="Release"/> has been called (or the server stopped).</summary>
    public bool IsReleased => _released.Task.IsCompleted;

    /// <summary>Lets the held request continue; the server then answers it as it normally would. Idempotent.</summary>
    public void Release() => _released.TrySetResult();

    internal async Task WaitAsync(CancellationToken cancellationToken)
    {
        _reached.TrySetResult();
        await _released.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }
}
