using Codex.Auth.ApiKeys;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Codex.Auth.DependencyInjection;

/// <summary>Creates the singleton provider that <c>AddCodexAuth</c> registers.</summary>
internal static class CodexAuthProviderFactory
{
    public static IAuthProvider Create(IServiceProvider services)
    {
        CodexAuthOptions options = services.GetRequiredService<IOptions<CodexAuthOptions>>().Value;
        CodexEnvironment environment = services.GetRequiredService<CodexEnvironment>();
        return options.Source switch
        {
            CodexCredentialSource.ApiKey => new ApiKeyProvider(
                new ApiKeyProviderOptions
                {
                    ApiKey = options.ApiKey,
                    CodexHome = options.CodexHome,
                    UseOpenAIApiKeyEnvironmentVariable = options.UseOpenAIApiKeyEnvironmentVariable,
                },
                environment),
            _ => throw new CodexAuthException(
                CodexAuthFailureReason.UnsupportedMode,
                $"Credential source '{options.Source}' is not available in this version.",
                "Use CodexCredentialSource.ApiKey."),
        };
    }
}
