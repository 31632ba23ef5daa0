namespace Codex.Auth.Backchannel;

/// <summary>How hard one kind of back-channel call tries: bounded retries, their base delay, and a time limit per attempt.</summary>
/// <param name="MaxRetries">Retries after the first attempt (0 = no retry).</param>
/// <param name="BaseDelay">The first back-off delay, doubled per retry, with jitter; a server's <c>Retry-After</c> replaces it.</param>
/// <param name="AttemptTimeout">The time limit of one attempt; <see cref="TimeSpan.Zero"/> or less for none.</param>
internal sealed record BackchannelPolicy(int MaxRetries, TimeSpan BaseDelay, TimeSpan AttemptTimeout)
{
    /// <summary>The longest back-off delay.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    /// <summary>The longest <c>Retry-After</c> honoured.</summary>
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromMinutes(2);

    /// <summary>The default: 3 retries from 1 second, 30 seconds per attempt.</summary>
    public static BackchannelPolicy Default { get; } = new(3, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
}
