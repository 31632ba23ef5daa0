namespace Codex.Auth.ChatGpt;

/// <summary>Describes a failed background refresh; the provider keeps serving the current token.</summary>
public sealed class RefreshFailedEventArgs : EventArgs
{
    /// <summary>Creates the arguments.</summary>
    /// <param name="error">The failure.</param>
    /// <param name="nextAttemptAt">When the next background attempt may start.</param>
    public RefreshFailedEventArgs(CodexAuthException error, DateTimeOffset nextAttemptAt)
    {
        Error = error;
        NextAttemptAt = nextAttemptAt;
    }

    /// <summary>Gets the failure.</summary>
    public CodexAuthException Error { get; }

    /// <summary>Gets when the next background attempt may start.</summary>
    public DateTimeOffset NextAttemptAt { get; }
}
