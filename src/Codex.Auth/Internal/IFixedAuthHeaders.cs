namespace Codex.Auth.Internal;

/// <summary>
/// A provider whose headers, once resolved, never change and are never recovered (an API key, a personal access token): the
/// handler reads them directly on its per-request path, without the <see cref="IAuthProvider.GetHeadersAsync"/> call and its
/// <see cref="ValueTask{TResult}"/> (~3 ns of a ~25 ns request). Before they are resolved, <see cref="ResolvedHeaders"/> is
/// <see langword="null"/> and the handler goes through <see cref="IAuthProvider.GetHeadersAsync"/> as for any provider.
/// </summary>
internal interface IFixedAuthHeaders
{
    /// <summary>Gets the headers once resolved; otherwise <see langword="null"/>.</summary>
    AuthHeaders? ResolvedHeaders { get; }
}
