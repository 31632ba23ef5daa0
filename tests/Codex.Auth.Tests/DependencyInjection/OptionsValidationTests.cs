using Codex.Auth.AgentIdentity;
using Codex.Auth.ApiKeys;
using Codex.Auth.ChatGpt;
using Codex.Auth.DependencyInjection;
using Codex.Auth.Http;
using Codex.Auth.Routing;
using Codex.Auth.SignIn;
using Codex.Auth.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Codex.Auth.Tests.DependencyInjection;

/// <summary>
/// One validation style: each options class has one <see cref="IValidateOptions{TOptions}"/>, which <c>AddCodexAuth</c> registers
/// (and runs at start) and which the constructors run outside dependency injection, so both paths fail with the same message.
/// </summary>
public sealed class OptionsValidationTests
{
    private static readonly Uri s_relative = new("backend-api/codex", UriKind.Relative);

    public static TheoryData<string, Action<ChatGptTokenProviderOptions>> BadChatGpt => new()
    {
        { "RefreshBeforeExpiry", o => o.RefreshBeforeExpiry = TimeSpan.FromSeconds(-1) },
        { "RefreshIntervalWithoutExpiry", o => o.RefreshIntervalWithoutExpiry = TimeSpan.Zero },
        { "BackgroundRetryDelay", o => o.BackgroundRetryDelay = TimeSpan.Zero },
        { "ReusedTokenGracePeriod", o => o.ReusedTokenGracePeriod = TimeSpan.FromMilliseconds(-1) },
        { "MaxRefreshRetries", o => o.MaxRefreshRetries = -1 },
        { "RefreshRetryDelay", o => o.RefreshRetryDelay = TimeSpan.FromSeconds(-1) },
        { "RefreshAttemptTimeout", o => o.RefreshAttemptTimeout = TimeSpan.Zero },
        { "BaseUrl", o => o.BaseUrl = s_relative },
    };

    public static TheoryData<string, Action<AgentIdentityProviderOptions>> BadAgentIdentity => new()
    {
        { "RegistrationRetryDelay", o => o.RegistrationRetryDelay = TimeSpan.FromSeconds(-1) },
        { "RegistrationAttemptTimeout", o => o.RegistrationAttemptTimeout = TimeSpan.FromSeconds(-5) },
        { "BaseUrl", o => o.BaseUrl = new Uri("ftp://example.com/codex") },
    };

    public static TheoryData<string, Action<CodexAuthOptions>> BadCodexAuth => new()
    {
        { "ApiKey", o => o.ApiKey = "  " },
        { "Source", o => o.Source = (CodexCredentialSource)42 },
        { "AllowedHosts", o => o.AllowedHosts.Add("https://example.com/path") },
        { "EnforceResidency", o => o.EnforceResidency = (CodexResidency)9 },
        { "ChatGptBaseUrl", o => o.ChatGptBaseUrl = new Uri("https://chatgpt.com/backend-api/?q=1") },
        { "ChatGptBaseUrl", o => o.ChatGptBaseUrl = new Uri("https://user:hunter2@chatgpt.com/backend-api/") },
        { "ChatGptBaseUrl", o => o.ChatGptBaseUrl = new Uri("ftp://chatgpt.com/backend-api/") },
    };

    [Theory]
    [MemberData(nameof(BadChatGpt))]
    public void ChatGpt_options_fail_the_same_way_in_the_constructor_and_at_start(string option, Action<ChatGptTokenProviderOptions> bad)
    {
        var options = new ChatGptTokenProviderOptions { CredentialStore = new InMemoryCredentialStore(), WatchStore = false };
        bad(options);

        string message = AssertNamesOption(ChatGptTokenProviderOptionsValidator.Instance, options, "ChatGptTokenProviderOptions." + option);
        var direct = Assert.Throws<OptionsValidationException>(() => new ChatGptTokenProvider(options, CodexProviderContext.Default));
        Assert.Equal(message, direct.Message);
        Assert.Equal(message, AtStart<ChatGptTokenProviderOptions>(bad).Message);
    }

    [Theory]
    [MemberData(nameof(BadAgentIdentity))]
    public void Agent_identity_options_fail_the_same_way_in_the_constructor_and_at_start(string option, Action<AgentIdentityProviderOptions> bad)
    {
        var options = new AgentIdentityProviderOptions { UseEnvironment = false, UseCredentialStore = false };
        bad(options);

        string message = AssertNamesOption(AgentIdentityProviderOptionsValidator.Instance, options, "AgentIdentityProviderOptions." + option);
        var direct = Assert.Throws<OptionsValidationException>(() => new AgentIdentityProvider(options, CodexProviderContext.Default));
        Assert.Equal(message, direct.Message);
        Assert.Equal(message, AtStart<AgentIdentityProviderOptions>(bad).Message);
    }

    [Fact]
    public void Api_key_and_personal_access_token_options_fail_the_same_way_in_the_constructor_and_at_start()
    {
        Action<ApiKeyProviderOptions> badKey = o => o.BaseUrl = s_relative;
        var key = new ApiKeyProviderOptions();
        badKey(key);
        string keyMessage = AssertNamesOption(ApiKeyProviderOptionsValidator.Instance, key, "ApiKeyProviderOptions.BaseUrl");
        Assert.Equal(keyMessage, Assert.Throws<OptionsValidationException>(() => new ApiKeyProvider(key, CodexProviderContext.Default)).Message);
        Assert.Equal(keyMessage, AtStart(badKey).Message);

        Action<PersonalAccessTokenProviderOptions> badPat = o => o.BaseUrl = new Uri("https://user:secret-password@chatgpt.com/backend-api/codex");
        var pat = new PersonalAccessTokenProviderOptions { UseEnvironment = false, UseCredentialStore = false };
        badPat(pat);
        string patMessage = AssertNamesOption(PersonalAccessTokenProviderOptionsValidator.Instance, pat, "PersonalAccessTokenProviderOptions.BaseUrl");
        Assert.DoesNotContain("secret-password", patMessage, StringComparison.Ordinal);
        Assert.Equal(patMessage, Assert.Throws<OptionsValidationException>(() => new PersonalAccessTokenProvider(pat, CodexProviderContext.Default)).Message);
        Assert.Equal(patMessage, AtStart(badPat).Message);
    }

    public static TheoryData<string, Action<WorkspaceRouterOptions>> BadRouter => new()
    {
        { "DiscoveryLifetime", o => o.DiscoveryLifetime = TimeSpan.Zero },
        { "MaxAttempts", o => o.MaxAttempts = 0 },
        { "RetryDelay", o => o.RetryDelay = TimeSpan.FromSeconds(-1) },
        { "AttemptTimeout", o => o.AttemptTimeout = TimeSpan.FromSeconds(-1) },
        { "ChatGptBaseUrl", o => o.ChatGptBaseUrl = s_relative },
    };

    public static TheoryData<string, Action<SignInOptions>> BadSignIn => new()
    {
        { "ClientId", o => o.ClientId = " " },
        { "CallbackPort", o => o.CallbackPort = 70000 },
        { "FallbackCallbackPort", o => o.FallbackCallbackPort = -1 },
        { "DeviceCodeLifetime", o => o.DeviceCodeLifetime = TimeSpan.Zero },
        { "Originator", o => o.Originator = string.Empty },
    };

    [Theory]
    [MemberData(nameof(BadRouter))]
    public void Workspace_router_options_fail_the_same_way_in_the_constructor_and_at_start(string option, Action<WorkspaceRouterOptions> bad)
    {
        var options = new WorkspaceRouterOptions();
        bad(options);

        string message = AssertNamesOption(WorkspaceRouterOptionsValidator.Instance, options, "WorkspaceRouterOptions." + option);
        var direct = Assert.Throws<OptionsValidationException>(() => new WorkspaceRouter(ApiKeyProvider.FromKey("sk-test"), options, CodexProviderContext.Default));
        Assert.Equal(message, direct.Message);
        Assert.Equal(message, AtStart(bad).Message);
    }

    [Theory]
    [MemberData(nameof(BadSignIn))]
    public void Sign_in_options_fail_the_same_way_in_the_constructor_and_at_start(string option, Action<SignInOptions> bad)
    {
        var options = new SignInOptions();
        bad(options);

        string message = AssertNamesOption(SignInOptionsValidator.Instance, options, "SignInOptions." + option);
        var direct = Assert.Throws<OptionsValidationException>(() => new CodexSignIn(new InMemoryCredentialStore(), options, CodexProviderContext.Default));
        Assert.Equal(message, direct.Message);
        Assert.Equal(message, AtStart(bad).Message);
    }

    [Fact]
    public void Handler_options_fail_the_same_way_in_the_constructor_and_at_start()
    {
        Action<CodexAuthHandlerOptions> bad = o => o.AllowedHosts.Add("https://example.com/");
        var options = new CodexAuthHandlerOptions();
        bad(options);

        string message = AssertNamesOption(CodexAuthHandlerOptionsValidator.Instance, options, "CodexAuthHandlerOptions.AllowedHosts");
        var direct = Assert.Throws<OptionsValidationException>(() => new CodexAuthHandler(ApiKeyProvider.FromKey("sk-test"), options));
        Assert.Equal(message, direct.Message);
        Assert.Equal(message, AtStart(bad).Message);
    }

    [Fact]
    public void A_sign_in_issuer_over_plain_http_to_another_host_is_still_the_typed_transport_error()
    {
        var options = new SignInOptions { Issuer = new Uri("http://auth.example.com") };

        var ex = Assert.Throws<CodexAuthException>(() => new CodexSignIn(new InMemoryCredentialStore(), options, CodexProviderContext.Default));
        Assert.Equal(CodexAuthFailureReason.InsecureTransport, ex.Reason);
    }

    [Theory]
    [MemberData(nameof(BadCodexAuth))]
    public void AddCodexAuth_options_fail_at_start_and_in_the_factory_with_the_same_message(string option, Action<CodexAuthOptions> bad)
    {
        var options = new CodexAuthOptions();
        bad(options);
        string message = AssertNamesOption(CodexAuthOptionsValidator.Instance, options, "CodexAuthOptions." + option);

        var services = new ServiceCollection();
        services.AddCodexAuth(bad);
        using ServiceProvider provider = services.BuildServiceProvider();
        var atStart = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Equal(message, atStart.Message);

        var direct = Assert.Throws<OptionsValidationException>(() => new CodexProviderFactory().Create(options));
        Assert.Equal(message, direct.Message);
    }

    [Fact]
    public void A_base_url_with_a_password_is_refused_without_echoing_it()
    {
        var options = new CodexAuthOptions { ChatGptBaseUrl = new Uri("https://user:hunter2@chatgpt.example.test/backend-api/") };

        var error = Assert.Throws<OptionsValidationException>(() => new CodexProviderFactory().Create(options));

        Assert.Contains("chatgpt.example.test", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("user:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Valid_defaults_pass_every_validator()
    {
        Assert.True(ChatGptTokenProviderOptionsValidator.Instance.Validate(null, new ChatGptTokenProviderOptions()).Succeeded);
        Assert.True(ChatGptTokenProviderOptionsValidator.Instance.Validate(null, new ChatGptTokenProviderOptions { RefreshAttemptTimeout = Timeout.InfiniteTimeSpan, RefreshRetryDelay = TimeSpan.Zero, MaxRefreshRetries = 0 }).Succeeded);
        Assert.True(AgentIdentityProviderOptionsValidator.Instance.Validate(null, new AgentIdentityProviderOptions()).Succeeded);
        Assert.True(ApiKeyProviderOptionsValidator.Instance.Validate(null, new ApiKeyProviderOptions()).Succeeded);
        Assert.True(PersonalAccessTokenProviderOptionsValidator.Instance.Validate(null, new PersonalAccessTokenProviderOptions()).Succeeded);
        Assert.True(CodexAuthOptionsValidator.Instance.Validate(null, new CodexAuthOptions()).Succeeded);
        Assert.True(WorkspaceRouterOptionsValidator.Instance.Validate(null, new WorkspaceRouterOptions()).Succeeded);
        Assert.True(SignInOptionsValidator.Instance.Validate(null, new SignInOptions { CallbackPort = 0, FallbackCallbackPort = null }).Succeeded);
        Assert.True(CodexAuthHandlerOptionsValidator.Instance.Validate(null, new CodexAuthHandlerOptions { AllowedHosts = { "example.com", "10.0.0.5" } }).Succeeded);
    }

    [Fact]
    public void The_former_Store_name_still_sets_the_credential_store()
    {
        var store = new InMemoryCredentialStore();
#pragma warning disable CS0618 // the obsolete name is what is under test
        var options = new ChatGptTokenProviderOptions { Store = store };
        Assert.Same(store, options.Store);
#pragma warning restore CS0618
        Assert.Same(store, options.CredentialStore);
    }

    private static string AssertNamesOption<TOptions>(IValidateOptions<TOptions> validator, TOptions options, string qualifiedOption)
        where TOptions : class
    {
        ValidateOptionsResult result = validator.Validate(Options.DefaultName, options);
        Assert.True(result.Failed);
        string failure = Assert.Single(result.Failures!);
        Assert.StartsWith(qualifiedOption + " ", failure, StringComparison.Ordinal);
        return failure;
    }

    /// <summary>The options an app binds itself, validated at start by the validator AddCodexAuth registers.</summary>
    private static OptionsValidationException AtStart<TOptions>(Action<TOptions> bad)
        where TOptions : class
    {
        var services = new ServiceCollection();
        services.AddCodexAuth();
        services.AddOptions<TOptions>().Configure(bad).ValidateOnStart();
        using ServiceProvider provider = services.BuildServiceProvider();
        return Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
    }
}
