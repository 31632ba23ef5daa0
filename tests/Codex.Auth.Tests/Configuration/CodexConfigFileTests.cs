using Codex.Auth.Configuration;
using Codex.Auth.Tests.Infrastructure;

namespace Codex.Auth.Tests.Configuration;

/// <summary>$CODEX_HOME/config.toml, read with Tomlyn: every key, unknown keys, a missing file and malformed files.</summary>
public sealed class CodexConfigFileTests
{
    [Fact]
    public void Every_key_is_read()
    {
        using var home = new TempDirectory();
        File.WriteAllText(home.File("config.toml"), """
            model = "gpt-5-codex"                      # not ours: ignored
            cli_auth_credentials_store = "keyring"
            chatgpt_base_url = "https://chatgpt.example.test/backend-api"
            forced_login_method = "chatgpt"
            forced_chatgpt_workspace_id = "ws_123"
            enforce_residency = "us"

            [profiles.work]
            cli_auth_credentials_store = "file"        # inside a table: not the top-level key
            """);

        CodexConfigFile file = CodexConfigFile.Load(home.Path);

        Assert.True(file.Exists);
        Assert.Equal(home.File("config.toml"), file.Path);
        Assert.Equal(CodexCredentialStoreMode.Keyring, file.CredentialsStore);
        Assert.Equal(new Uri("https://chatgpt.example.test/backend-api/"), file.ChatGptBaseUrl);
        Assert.Equal(CodexLoginMethod.ChatGpt, file.ForcedLoginMethod);
        Assert.Equal("ws_123", file.ForcedChatGptWorkspaceId);
        Assert.Equal(Codex.Auth.Routing.CodexResidency.Us, file.EnforceResidency);
    }

    [Theory]
    [InlineData("file", CodexCredentialStoreMode.File)]
    [InlineData("keyring", CodexCredentialStoreMode.Keyring)]
    [InlineData("auto", CodexCredentialStoreMode.Auto)]
    [InlineData("ephemeral", CodexCredentialStoreMode.Ephemeral)]
    public void Every_store_mode_is_understood(string value, CodexCredentialStoreMode expected)
    {
        Assert.Equal(expected, CodexConfigFile.Parse($"cli_auth_credentials_store = \"{value}\"", "config.toml").CredentialsStore);
    }

    [Fact]
    public void The_api_login_method_is_understood()
    {
        Assert.Equal(CodexLoginMethod.Api, CodexConfigFile.Parse("forced_login_method = 'api'", "config.toml").ForcedLoginMethod);
    }

    [Fact]
    public void No_file_and_no_directory_mean_nothing_is_set()
    {
        using var home = new TempDirectory();

        CodexConfigFile file = CodexConfigFile.Load(home.Path);
        CodexConfigFile none = CodexConfigFile.Load(home.File("missing-home"));

        Assert.False(file.Exists);
        Assert.False(none.Exists);
        Assert.Null(file.CredentialsStore);
        Assert.Null(file.ChatGptBaseUrl);
        Assert.Null(file.ForcedLoginMethod);
        Assert.Null(file.ForcedChatGptWorkspaceId);
        Assert.Null(file.EnforceResidency);
    }

    [Fact]
    public void A_file_that_is_not_TOML_is_a_typed_error_naming_the_file_and_line_and_is_not_rewritten()
    {
        using var home = new TempDirectory();
        const string text = "model = \"o3\"\n\ncli_auth_credentials_store = = \"keyring\"\n";
        File.WriteAllText(home.File("config.toml"), text);

        var error = Assert.Throws<CodexAuthException>(() => CodexConfigFile.Load(home.Path));

        Assert.Equal(CodexAuthFailureReason.MalformedConfiguration, error.Reason);
        Assert.Contains(home.File("config.toml"), error.Message, StringComparison.Ordinal);
        Assert.Contains("line 3", error.Message, StringComparison.Ordinal);
        Assert.Contains("never rewrites", error.Remediation, StringComparison.Ordinal);
        Assert.Equal(text, File.ReadAllText(home.File("config.toml")));
    }

    [Theory]
    [InlineData("cli_auth_credentials_store = \"keychain\"", "\"file\", \"keyring\", \"auto\", \"ephemeral\"")]
    [InlineData("cli_auth_credentials_store = 1", "must be a string")]
    [InlineData("chatgpt_base_url = \"chatgpt.com/backend-api\"", "absolute http or https URL")]
    [InlineData("chatgpt_base_url = \"ftp://chatgpt.com/\"", "absolute http or https URL")]
    [InlineData("forced_login_method = \"ChatGPT\"", "\"chatgpt\" or \"api\"")]
    [InlineData("forced_chatgpt_workspace_id = \" \"", "non-empty workspace id")]
    [InlineData("enforce_residency = true", "must be a string")]
    [InlineData("enforce_residency = \"eu\"", "must be \"us\"")]
    public void A_known_key_with_a_value_Codex_refuses_is_a_typed_error_with_its_line(string line, string expected)
    {
        var error = Assert.Throws<CodexAuthException>(() => CodexConfigFile.Parse("# comment\n" + line + "\n", "/x/config.toml"));

        Assert.Equal(CodexAuthFailureReason.MalformedConfiguration, error.Reason);
        Assert.Contains("'/x/config.toml'", error.Message, StringComparison.Ordinal);
        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_key_defined_twice_is_refused_as_TOML_requires()
    {
        var error = Assert.Throws<CodexAuthException>(() => CodexConfigFile.Parse("cli_auth_credentials_store = \"file\"\ncli_auth_credentials_store = \"keyring\"\n", "c.toml"));

        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
        Assert.Contains("defined twice", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_parse_error_does_not_quote_a_long_token_that_could_be_a_secret()
    {
        var error = Assert.Throws<CodexAuthException>(() => CodexConfigFile.Parse("experimental_bearer_token = \"sk-abcdefghijklmnop\" \"sk-qrstuvwxyz0123456\"\n", "c.toml"));

        Assert.Equal(CodexAuthFailureReason.MalformedConfiguration, error.Reason);
        Assert.DoesNotContain("sk-", error.Message, StringComparison.Ordinal);
    }
}
