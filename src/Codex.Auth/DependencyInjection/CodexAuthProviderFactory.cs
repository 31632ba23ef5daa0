using Codex.Auth.ApiKeys;
using Codex.Auth.ChatGpt;
using Codex.Auth.Resolution;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Codex.Auth.DependencyInjection;

/// <summary>Creates the singleton provider that <c>AddCodexAuth</c> registers.</summary>
internal static class CodexAuthProviderFactory
{
    public static IAuthProvider Create(IServiceProvider services)
    {
        CodexAuthOptions options = services.GetRequiredService<IOptions<CodexAuthOptions>>().Value;
        CodexEnvironment environment = services.GetRequiredService<CodexEnvironment>();
        TimeProvider time = services.GetRequiredService<TimeProvider>();
        ILoggerFactory? loggers = services.GetService<ILoggerFactory>();
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
            CodexCredentialSource.ChatGpt => new ChatGptTokenProvider(
                new ChatGptTokenProviderOptions { CodexHome = options.CodexHome },
                time,
                httpClient: null,
                environment,
                loggers?.CreateLogger<ChatGptTokenProvider>()),
            _ => new CodexCredentialResolver(environment, time, loggers).Resolve(new CodexCredentialResolverOptions
            {
                ApiKey = options.ApiKey,
                CodexHome = options.CodexHome,
                UseOpenAIApiKeyEnvironmentVariable = options.UseOpenAIApiKeyEnvironmentVariable,
                AllowAgentIdentity = options.Source != CodexCredentialSource.ApiKey,
            }).Provider,
        };
    }
}
