namespace Codex.Auth;

/// <summary>
/// Obtains credentials for the Codex backends and turns them into the headers for one request.
/// </summary>
/// <remarks>
/// <para>
/// Implementations are long-lived singletons that own all credential state; the
/// <see cref="Http.CodexAuthHandler"/> only applies what they return. The common case — credentials
/// cached and fresh — completes synchronously, without locks and without allocating: the returned
/// <see cref="ValueTask{TResult}"/> wraps a prebuilt, immutable <see cref="AuthHeaders"/>.
/// </para>
/// <para>Implementations must be safe for concurrent use.</para>
/// </remarks>
/// <example>
/// <code>
/// IAuthProvider provider = new ApiKeyProvider(new ApiKeyProviderOptions { ApiKey = key });
/// AuthHeaders headers = await provider.GetHeadersAsync(cancellationToken);
/// headers.ApplyTo(request.Headers);
/// </code>
/// </example>
public interface IAuthProvider
{
    /// <summary>Gets the base URL the provider's credential is valid for (for example <c>https://chatgpt.com/backend-api/codex</c>).</summary>
    Uri BaseUrl { get; }

    /// <summary>
    /// Gets a value indicating whether <see cref="RecoverAsync"/> can ever succeed. Providers whose
    /// credentials cannot be renewed (API keys, agent identities, personal access tokens) return
    /// <see langword="false"/>, and the handler then returns an HTTP 401 to the caller unchanged.
    /// The value must not change: <see cref="Http.CodexAuthHandler"/> reads it once, when it is created.
    /// </summary>
    bool SupportsRecovery { get; }

    /// <summary>Gets the headers to apply to the next request attempt.</summary>
    /// <param name="cancellationToken">Cancels the wait. A refresh shared with other callers is not cancelled by it.</param>
    /// <returns>The headers; completes synchronously when credentials are cached and fresh.</returns>
    /// <exception cref="CodexAuthException">No usable credential could be obtained; see <see cref="CodexAuthException.Reason"/>.</exception>
    ValueTask<AuthHeaders> GetHeadersAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Called after the server rejected <paramref name="rejected"/> with HTTP 401: "my credentials
    /// were rejected; can you do better?".
    /// </summary>
    /// <param name="rejected">The headers the rejected request carried.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>
    /// <see langword="true"/> when the provider now holds different credentials and one retry is worthwhile;
    /// <see langword="false"/> when retrying would only be rejected again.
    /// </returns>
    /// <exception cref="CodexAuthException">Recovery established that the user must sign in again.</exception>
    ValueTask<bool> RecoverAsync(AuthHeaders rejected, CancellationToken cancellationToken = default);
}
