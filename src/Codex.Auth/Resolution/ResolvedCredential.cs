namespace Codex.Auth.Resolution;

/// <summary>The credential <see cref="CodexCredentialResolver"/> chose. Holds no secret of its own.</summary>
/// <param name="Provider">The provider for that credential (dispose it if it is <see cref="IDisposable"/>).</param>
/// <param name="Kind">What kind of credential it is.</param>
/// <param name="Source">Where it came from (an option, an environment variable name, or the store's path).</param>
public sealed record ResolvedCredential(IAuthProvider Provider, CodexCredentialSource Kind, string Source)
{
    /// <summary>Gets the base URL the credential is valid for.</summary>
    public Uri BaseUrl => Provider.BaseUrl;
}
