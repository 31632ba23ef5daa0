using System.Diagnostics.CodeAnalysis;
using Codex.Auth.AgentIdentity;
using Codex.Auth.ApiKeys;
using Codex.Auth.Storage;
using Microsoft.Extensions.Logging;

namespace Codex.Auth.Resolution;

/// <summary>Agent identity and personal access token sources.</summary>
public sealed partial class CodexCredentialResolver
{
    /// <summary>Creates the provider for a <c>CODEX_ACCESS_TOKEN</c>-style value: <c>at-…</c> is a personal access token, anything else an agent identity.</summary>
    /// <param name="value">The token.</param>
    /// <returns>The provider.</returns>
    public IAuthProvider CreateAccessTokenProvider(string value) => CreateAccessTokenProvider(value, source: null);

    /// <summary>As <see cref="CreateAccessTokenProvider(string)"/>, with the name of the variable the value came from for messages.</summary>
    internal IAuthProvider CreateAccessTokenProvider(string value, string? source)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        value = value.Trim();
        return PersonalAccessTokenProvider.IsPersonalAccessToken(value)
            ? new PersonalAccessTokenProvider(new PersonalAccessTokenProviderOptions { Token = value, TokenSource = source, UseEnvironment = false, UseCredentialStore = false }, environment: _environment, logger: _loggers?.CreateLogger<PersonalAccessTokenProvider>())
            : new AgentIdentityProvider(new AgentIdentityProviderOptions { Identity = value, IdentitySource = source, UseEnvironment = false, UseCredentialStore = false }, null, _time, _environment, _loggers?.CreateLogger<AgentIdentityProvider>());
    }

    private bool TryAccessToken([NotNullWhen(true)] out ResolvedCredential? credential)
    {
        foreach (string name in (ReadOnlySpan<string>)[CodexEnvironmentVariables.CodexAccessToken, CodexEnvironmentVariables.CodexAgentIdentity])
        {
            if (_environment.GetNonBlank(name) is { } value)
            {
                CodexCredentialSource kind = PersonalAccessTokenProvider.IsPersonalAccessToken(value) ? CodexCredentialSource.PersonalAccessToken : CodexCredentialSource.AgentIdentity;
                credential = new ResolvedCredential(CreateAccessTokenProvider(value, name), kind, name);
                return true;
            }
        }

        credential = null;
        return false;
    }

    private ResolvedCredential FromStoreAgentIdentity(CodexAuthDocument document, FileCredentialStore store) =>
        document.Mode == CodexAuthMode.PersonalAccessToken
            ? new ResolvedCredential(
                new PersonalAccessTokenProvider(new PersonalAccessTokenProviderOptions { UseEnvironment = false, CredentialStore = store }, environment: _environment, logger: _loggers?.CreateLogger<PersonalAccessTokenProvider>()),
                CodexCredentialSource.PersonalAccessToken,
                store.FilePath)
            : new ResolvedCredential(
                new AgentIdentityProvider(new AgentIdentityProviderOptions { UseEnvironment = false, CredentialStore = store }, null, _time, _environment, _loggers?.CreateLogger<AgentIdentityProvider>()),
                CodexCredentialSource.AgentIdentity,
                store.FilePath);
}
