using Codex.Auth.SignIn;

namespace Codex.Auth.Tests.SignIn;

/// <summary>An <see cref="IProgress{T}"/> that runs the handler synchronously (Progress&lt;T&gt; posts to the thread pool).</summary>
public sealed class SyncProgress(Action<SignInProgress> handler) : IProgress<SignInProgress>
{
    public void Report(SignInProgress value) => handler(value);
}
