using Codex.Auth.Configuration;
using Codex.Auth.Storage;
using Codex.Auth.Storage.Keyring;
using Codex.Auth.Tests.Infrastructure;

namespace Codex.Auth.Tests.Configuration;

/// <summary>One resolved configuration: options in code, then the environment, then config.toml, then defaults.</summary>
public sealed class CodexConfigurationTests
{
    [Fact]
    public void Without_config_toml_the_defaults_apply()
    {
        using var home = new TempDirectory();

        CodexConfiguration config = CodexConfiguration.Resolve(null, Environment(home));

        Assert.Equal(home.Path, config.CodexHome);
        Assert.Equal(CodexCredentialStoreMode.File, config.CredentialsStore);
        Assert.Equal(new Uri("https://chatgpt.com/backend-api/"), config.ChatGptBaseUrl);
        Assert.Equal(new Uri("https://chatgpt.com/backend-api/codex/"), config.ChatGptCodexBaseUrl);
        Assert.Null(config.ForcedLoginMethod);
        Assert.Null(config.ForcedChatGptWorkspaceId);
        Assert.Equal(Codex.Auth.Routing.CodexResidency.None, config.EnforceResidency);
    }

    [Fact]
    public void Config_toml_overrides_the_defaults()
    {
        using var home = WithConfig();

        CodexConfiguration config = CodexConfiguration.Resolve(null, Environment(home));

        Assert.Equal(CodexCredentialStoreMode.Auto, config.CredentialsStore);
        Assert.Equal(new Uri("https://file.example.test/api/"), config.ChatGptBaseUrl);
        Assert.Equal(new Uri("https://file.example.test/api/codex/"), config.ChatGptCodexBaseUrl);
        Assert.Equal(CodexLoginMethod.Api, config.ForcedLoginMethod);
        Assert.Equal("ws_file", config.ForcedChatGptWorkspaceId);
        Assert.Equal(Codex.Auth.Routing.CodexResidency.Us, config.EnforceResidency);
    }

    [Fact]
    public void The_environment_overrides_config_toml()
    {
        using var home = WithConfig();

        CodexConfiguration config = CodexConfiguration.Resolve(null, Environment(home, new()
        {
            [CodexEnvironmentVariables.CredentialsStore] = "ephemeral",
            [CodexEnvironmentVariables.ChatGptBaseUrl] = "http://127.0.0.1:9/backend-api",
            [CodexEnvironmentVariables.ForcedLoginMethod] = "chatgpt",
            [CodexEnvironmentVariables.ForcedChatGptWorkspaceId] = "ws_env",
        }));

        Assert.Equal(CodexCredentialStoreMode.Ephemeral, config.CredentialsStore);
        Assert.Equal(new Uri("http://127.0.0.1:9/backend-api/"), config.ChatGptBaseUrl);
        Assert.Equal(CodexLoginMethod.ChatGpt, config.ForcedLoginMethod);
        Assert.Equal("ws_env", config.ForcedChatGptWorkspaceId);
        Assert.Equal(Codex.Auth.Routing.CodexResidency.Us, config.EnforceResidency);
    }

    [Fact]
    public void Options_in_code_override_the_environment()
    {
        using var home = WithConfig();

        CodexConfiguration config = CodexConfiguration.Resolve(
            new CodexConfigurationOptions
            {
                CredentialsStore = CodexCredentialStoreMode.Keyring,
                ChatGptBaseUrl = new Uri("https://code.example.test/x"),
                ForcedLoginMethod = CodexLoginMethod.ChatGpt,
                ForcedChatGptWorkspaceId = "ws_code",
                EnforceResidency = Codex.Auth.Routing.CodexResidency.None,
            },
            Environment(home, new()
            {
                [CodexEnvironmentVariables.CredentialsStore] = "ephemeral",
                [CodexEnvironmentVariables.ChatGptBaseUrl] = "https://env.example.test/",
                [CodexEnvironmentVariables.ForcedLoginMethod] = "api",
                [CodexEnvironmentVariables.ForcedChatGptWorkspaceId] = "ws_env",
            }));

        Assert.Equal(CodexCredentialStoreMode.Keyring, config.CredentialsStore);
        Assert.Equal(new Uri("https://code.example.test/x/"), config.ChatGptBaseUrl);
        Assert.Equal(CodexLoginMethod.ChatGpt, config.ForcedLoginMethod);
        Assert.Equal("ws_code", config.ForcedChatGptWorkspaceId);
        Assert.Equal(Codex.Auth.Routing.CodexResidency.None, config.EnforceResidency);
    }

    [Fact]
    public void The_Codex_home_option_chooses_whose_config_toml_is_read()
    {
        using var other = WithConfig();
        using var home = new TempDirectory();

        CodexConfiguration config = CodexConfiguration.Resolve(new CodexConfigurationOptions { CodexHome = other.Path }, Environment(home));

        Assert.Equal(other.Path, config.CodexHome);
        Assert.Equal(CodexCredentialStoreMode.Auto, config.CredentialsStore);
    }

    [Fact]
    public void A_bad_environment_value_is_a_typed_error_naming_the_variable()
    {
        using var home = new TempDirectory();

        var error = Assert.Throws<CodexAuthException>(() => CodexConfiguration.Resolve(null, Environment(home, new() { [CodexEnvironmentVariables.CredentialsStore] = "vault" })));

        Assert.Equal(CodexAuthFailureReason.MalformedConfiguration, error.Reason);
        Assert.Contains("CODEX_AUTH_CREDENTIALS_STORE", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_malformed_config_toml_fails_resolution_with_the_typed_error()
    {
        using var home = new TempDirectory();
        File.WriteAllText(home.File("config.toml"), "[unclosed\n");

        var error = Assert.Throws<CodexAuthException>(() => CodexConfiguration.Resolve(null, Environment(home)));

        Assert.Equal(CodexAuthFailureReason.MalformedConfiguration, error.Reason);
        Assert.Contains("line 1", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("file", typeof(FileCredentialStore), "file: ")]
    [InlineData("keyring", typeof(KeyringCredentialStore), "keyring: ")]
    [InlineData("auto", typeof(AutoCredentialStore), "keyring: ")]
    [InlineData("ephemeral", typeof(InMemoryCredentialStore), "ephemeral")]
    public void The_configured_store_is_created(string mode, Type expected, string description)
    {
        using var home = new TempDirectory();
        File.WriteAllText(home.File("config.toml"), $"cli_auth_credentials_store = \"{mode}\"\n");

        ICodexCredentialStore store = CodexCredentialStores.Create(CodexConfiguration.Resolve(null, Environment(home)));

        Assert.IsType(expected, store);
        Assert.StartsWith(description, CodexCredentialStores.Describe(store), StringComparison.Ordinal);
        (store as IDisposable)?.Dispose();
    }

    [Fact]
    public async Task Ephemeral_stores_for_one_Codex_home_share_one_memory_and_write_nothing()
    {
        using var home = new TempDirectory();
        CodexConfiguration config = CodexConfiguration.Resolve(new CodexConfigurationOptions { CredentialsStore = CodexCredentialStoreMode.Ephemeral }, Environment(home));
        ICodexCredentialStore first = CodexCredentialStores.Create(config);
        ICodexCredentialStore second = CodexCredentialStores.Create(config);

        await first.SaveAsync(CodexAuthDocument.CreateApiKey("sk-ephemeral"));

        Assert.True((await second.LoadAsync())!.HasApiKey);
        Assert.Empty(Directory.GetFileSystemEntries(home.Path));
        Assert.True(await second.DeleteAsync());
    }

    private static TempDirectory WithConfig()
    {
        var home = new TempDirectory();
        File.WriteAllText(home.File("config.toml"), """
            cli_auth_credentials_store = "auto"
            chatgpt_base_url = "https://file.example.test/api"
            forced_login_method = "api"
            forced_chatgpt_workspace_id = "ws_file"
            enforce_residency = "us"
            """);
        return home;
    }

    private static CodexEnvironment Environment(TempDirectory home, Dictionary<string, string?>? extra = null)
    {
        var values = new Dictionary<string, string?>(extra ?? []) { [CodexEnvironmentVariables.CodexHome] = home.Path };
        return CodexEnvironment.FromValues(values);
    }

    [Fact]
    public void AddCodexAuth_options_choose_the_store_and_base_url_over_config_toml()
    {
        using var home = new TempDirectory();
        File.WriteAllText(home.File("config.toml"), "cli_auth_credentials_store = \"ephemeral\"\nchatgpt_base_url = \"https://from-file.example.test/api/\"\n");
        File.WriteAllText(home.File("auth.json"), CodexAuthDocument.CreateChatGpt(
            TestJwt.IdToken("acct_opts"),
            TestJwt.AccessToken(4_102_444_800),
            "rt-opts",
            "acct_opts",
            DateTimeOffset.UnixEpoch.AddYears(56)).ToJson());

        IAuthProvider FromDi(Action<CodexAuthOptions> configure)
        {
            var services = new Microsoft.Extensions.DependencyInjection.ServiceCollection();
            Microsoft.Extensions.DependencyInjection.ServiceCollectionServiceExtensions.AddSingleton(services, Environment(home));
            Microsoft.Extensions.DependencyInjection.CodexAuthServiceCollectionExtensions.AddCodexAuth(services, configure);
            var sp = Microsoft.Extensions.DependencyInjection.ServiceCollectionContainerBuilderExtensions.BuildServiceProvider(services);
            return Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<IAuthProvider>(sp);
        }

        // config.toml says ephemeral: the auth.json sign-in is not where the configuration says to look.
        Assert.Equal(CodexAuthFailureReason.NotSignedIn, Assert.Throws<CodexAuthException>(() => FromDi(_ => { })).Reason);

        IAuthProvider provider = FromDi(o =>
        {
            o.CredentialsStore = CodexCredentialStoreMode.File;
            o.ChatGptBaseUrl = new Uri("https://from-code.example.test/backend-api");
        });

        Assert.Equal(new Uri("https://from-code.example.test/backend-api/codex"), provider.BaseUrl);
        (provider as IDisposable)?.Dispose();

        IAuthProvider fromFile = FromDi(o => o.CredentialsStore = CodexCredentialStoreMode.File);
        Assert.Equal(new Uri("https://from-file.example.test/api/codex"), fromFile.BaseUrl);
        (fromFile as IDisposable)?.Dispose();
    }
}
