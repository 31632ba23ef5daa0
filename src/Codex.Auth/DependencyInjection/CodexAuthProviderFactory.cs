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
            CodexCredentialSource.AgentIdentity or CodexCredentialSource.PersonalAccessToken => CreateAgent(options, environment, time, loggers),
            _ => new CodexCredentialResolver(environment, time, loggers).Resolve(new CodexCredentialResolverOptions
            {
                ApiKey = options.ApiKey,
                CodexHome = options.CodexHome,
                UseOpenAIApiKeyEnvironmentVariable = options.UseOpenAIApiKeyEnvironmentVariable,
            }).Provider,
        };
    }

    public static Routing.WorkspaceRouter CreateRouter(IServiceProvider services)
    {
        CodexAuthOptions options = services.GetRequiredService<IOptions<CodexAuthOptions>>().Value;
        return new Routing.WorkspaceRouter(
            services.GetRequiredService<IAuthProvider>(),
            new Routing.WorkspaceRouterOptions { EnforceResidency = options.EnforceResidency },
            httpClient: null,
            services.GetRequiredService<TimeProvider>(),
            services.GetService<ILoggerFactory>()?.CreateLogger<Routing.WorkspaceRouter>());
    }

    private static IAuthProvider CreateAgent(CodexAuthOptions options, CodexEnvironment environment, TimeProvider time, ILoggerFactory? loggers)
    {
        string? value = environment.GetNonBlank(CodexEnvironmentVariables.CodexAccessToken) ?? environment.GetNonBlank(CodexEnvironmentVariables.CodexAgentIdentity);
        if (value is not null)
        {
            return new CodexCredentialResolver(environment, time, loggers).CreateAccessTokenProvider(value);
        }

        var store = new Storage.FileCredentialStore(Storage.CodexHome.Resolve(options.CodexHome, environment));
        return options.Source == CodexCredentialSource.PersonalAccessToken
            ? new PersonalAccessTokenProvider(new PersonalAccessTokenProviderOptions { CredentialStore = store }, environment: environment, logger: loggers?.CreateLogger<PersonalAccessTokenProvider>())
            : new AgentIdentity.AgentIdentityProvider(new AgentIdentity.AgentIdentityProviderOptions { CredentialStore = store }, null, time, environment, loggers?.CreateLogger<AgentIdentity.AgentIdentityProvider>());
    }
}
