using Codex.Auth.Storage;

namespace Codex.Auth.ChatGpt;

/// <summary>
/// Refreshed tokens that the token endpoint issued but the store could not write. The refresh token in
/// <see cref="Document"/> is then the only live one: the store still holds <see cref="SpentTokens"/>, whose refresh
/// token has been spent and must never be sent again.
/// </summary>
/// <remarks>
/// The rule for what the store says meanwhile (<see cref="Classify"/>): reading back <see cref="SpentTokens"/> means
/// nothing has been written since, so the unsaved document stays in force; reading <see cref="Document"/>'s
/// credentials means the save landed after all; anything else (another sign-in, a sign-out, tokens another program
/// wrote) was written after the spent tokens and so is newer: it wins, and the unsaved document is dropped.
/// </remarks>
internal sealed class PendingSave
{
    public PendingSave(CodexAuthDocument document, CodexTokens spentTokens, CodexAuthException error, int failures, DateTimeOffset nextAttemptAt)
    {
        Document = document;
        SpentTokens = spentTokens;
        Error = error;
        Failures = failures;
        NextAttemptAt = nextAttemptAt;
    }

    /// <summary>Gets the document to write: the newest tokens, served from memory until written.</summary>
    public CodexAuthDocument Document { get; }

    /// <summary>Gets the tokens the store held when the first save failed (their refresh token is spent).</summary>
    public CodexTokens SpentTokens { get; }

    /// <summary>Gets why the last save failed.</summary>
    public CodexAuthException Error { get; }

    /// <summary>Gets how many saves of this lineage failed in a row.</summary>
    public int Failures { get; }

    /// <summary>Gets when the save is retried.</summary>
    public DateTimeOffset NextAttemptAt { get; }

    /// <summary>Classifies what the store holds against this unsaved document.</summary>
    /// <param name="stored">What the store holds now.</param>
    /// <returns>What it means.</returns>
    public StoreVersusPending Classify(CodexAuthDocument? stored)
    {
        if (stored?.Tokens is { } tokens && tokens.Equals(SpentTokens))
        {
            return StoreVersusPending.StillSpent;
        }

        return Document.HasSameCredentials(stored) ? StoreVersusPending.Saved : StoreVersusPending.Superseded;
    }

    /// <summary>The backoff before retry <paramref name="failures"/> + 1: 1 s, 2 s, 4 s … at most 5 minutes.</summary>
    /// <param name="failures">Failed saves so far (at least 1).</param>
    /// <returns>The delay.</returns>
    public static TimeSpan RetryDelay(int failures) =>
        TimeSpan.FromSeconds(Math.Min(300, 1L << Math.Clamp(failures - 1, 0, 9)));
}
