namespace Codex.Auth.Storage;

/// <summary>
/// Where Codex credentials live: <c>$CODEX_HOME/auth.json</c> (<see cref="FileCredentialStore"/>) or process memory
/// (<see cref="InMemoryCredentialStore"/>). Implementations never rewrite a document they could not parse.
/// </summary>
public interface ICodexCredentialStore
{
    /// <summary>Gets a human-readable location for messages (a path, or "memory").</summary>
    string Location { get; }

    /// <summary>Reads the current document.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The document, or <see langword="null"/> when there is none.</returns>
    /// <exception cref="CodexAuthException"><see cref="CodexAuthFailureReason.MalformedStore"/> or <see cref="CodexAuthFailureReason.StoreUnavailable"/>.</exception>
    ValueTask<CodexAuthDocument?> LoadAsync(CancellationToken cancellationToken = default);

    /// <summary>Replaces the document atomically: readers see the old or the new document, never a mix.</summary>
    /// <param name="document">The new document.</param>
    /// <param name="cancellationToken">Cancels the write before it starts.</param>
    /// <returns>A task that completes when the document is durable.</returns>
    ValueTask SaveAsync(CodexAuthDocument document, CancellationToken cancellationToken = default);

    /// <summary>Removes the document.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when a document was removed.</returns>
    ValueTask<bool> DeleteAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Takes the store's exclusive refresh lock (for the file store, <c>flock(2)</c> on <c>$CODEX_HOME/auth.lock</c>,
    /// which the Codex CLI also takes), waiting as long as another holder keeps it.
    /// </summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The held lock; dispose it to release.</returns>
    ValueTask<IAsyncDisposable> AcquireRefreshLockAsync(CancellationToken cancellationToken = default);

    /// <summary>Subscribes to changes made by anyone (another process included). Callbacks may run on any thread and may be spurious.</summary>
    /// <param name="onChanged">Called after the document may have changed.</param>
    /// <returns>Disposing it ends the subscription.</returns>
    IDisposable Watch(Action onChanged);

    /// <summary>
    /// Checks that a save would succeed, before a refresh spends the single-use refresh token: a refresh whose new tokens cannot
    /// be written loses the sign-in. The default does nothing (stores that cannot tell).
    /// </summary>
    /// <param name="cancellationToken">Cancels the check.</param>
    /// <returns>A task that completes when the store can be written.</returns>
    /// <exception cref="CodexAuthException"><see cref="CodexAuthFailureReason.StoreUnavailable"/> when it cannot be written.</exception>
    ValueTask EnsureWritableAsync(CancellationToken cancellationToken = default) => default;
}
