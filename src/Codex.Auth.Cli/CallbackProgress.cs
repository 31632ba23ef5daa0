using Codex.Auth.SignIn;

namespace Codex.Auth.Cli;

/// <summary>Runs the handler synchronously on the reporting thread, so output appears in order.</summary>
internal sealed class CallbackProgress(Action<SignInProgress> handler) : IProgress<SignInProgress>
{
    public void Report(SignInProgress value) => handler(value);
}
