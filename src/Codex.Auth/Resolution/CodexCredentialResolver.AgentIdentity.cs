using System.Diagnostics.CodeAnalysis;
using Codex.Auth.ApiKeys;

namespace Codex.Auth.Resolution;

/// <summary>Agent identity and personal access token sources.</summary>
public sealed partial class CodexCredentialResolver
{
    /// <summary>Creates the provider for a <c>CODEX_ACCESS_TOKEN</c>-style value: <c>at-…</c> is a personal access token, anything else an agent identity.</summary>
    /// <param name="value">The token.</param>
    /// <returns>The provider.</returns>
    public IAuthProvider CreateAccessTokenProvider(string value) => _factory.CreateForAccessToken(value);

    /// <summary>As <see cref="CreateAccessTokenProvider(string)"/>, naming the variable the value came from in messages.</summary>
    internal IAuthProvider CreateAccessTokenProvider(string value, string source) => _factory.CreateForAccessToken(value, source);

    private bool TryAccessToken([NotNullWhen(true)] out ResolvedCredential? credential)
    {
        foreach (string name in (ReadOnlySpan<string>)[CodexEnvironmentVariables.CodexAccessToken, CodexEnvironmentVariables.CodexAgentIdentity])
        {
            if (Environment.GetNonBlank(name) is { } value)
            {
                CodexCredentialSource kind = PersonalAccessTokenProvider.IsPersonalAccessToken(value) ? CodexCredentialSource.PersonalAccessToken : CodexCredentialSource.AgentIdentity;
                credential = new ResolvedCredential(CreateAccessTokenProvider(value, name), kind, name);
                return true;
            }
        }

        credential = null;
        return false;
    }
}
