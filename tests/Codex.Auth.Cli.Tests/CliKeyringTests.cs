using System.Text.Json.Nodes;
using Codex.Auth.Storage;

namespace Codex.Auth.Cli.Tests;

/// <summary>codex-auth as a real process with cli_auth_credentials_store = "keyring" against a real gnome-keyring.</summary>
[Collection(SecretServiceGroup.Name)]
public sealed class CliKeyringTests(SecretServiceDaemon daemon) : IDisposable
{
    private readonly TempDirectory _home = new();

    public void Dispose() => _home.Dispose();

    private string Account => Codex.Auth.Storage.Keyring.KeyringEntryName.ForCodexHome(_home.Path);

    [SecretServiceFact]
    public async Task Status_finds_a_sign_in_the_Codex_CLI_keeps_in_the_keyring_and_logout_removes_it()
    {
        UseStore("keyring");
        string json = CodexAuthDocument.CreateChatGpt(
            TestJwt.IdToken("acct_keyring", "kr@example.com", "pro"),
            TestJwt.AccessToken(4_102_444_800),
            "rt-keyring-SECRET",
            "acct_keyring",
            new DateTimeOffset(2026, 11, 30, 10, 0, 0, TimeSpan.Zero)).ToJson().ReplaceLineEndings(string.Empty);
        await StoreAsCodexCliAsync(json);

        CliResult status = await RunAsync("status", "--json");

        Assert.Equal(0, status.ExitCode);
        JsonObject result = JsonNode.Parse(status.Stdout)!.AsObject();
        Assert.True((bool)result["signed_in"]!);
        Assert.Equal("keyring: Secret Service", (string?)result["store"]);
        Assert.Equal("acct_keyring", (string?)result["account_id"]);
        CliResult text = await RunAsync("status");
        Assert.Contains("keyring: Secret Service", text.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("rt-keyring-SECRET", status.All + text.All, StringComparison.Ordinal);

        CliResult export = await RunAsync("export-token", "--json");
        Assert.Equal(0, export.ExitCode);
        Assert.Equal("acct_keyring", (string?)JsonNode.Parse(export.Stdout)!["account_id"]);

        CliResult logout = await RunAsync("logout", "--issuer", "http://127.0.0.1:9");
        Assert.Equal(0, logout.ExitCode);
        Assert.Equal(string.Empty, await daemon.SecretToolAsync(null, "lookup", "service", "Codex Auth", "username", Account));
        Assert.False(File.Exists(_home.File("auth.json")));
        Assert.Equal(1, (await RunAsync("status")).ExitCode);
    }

    [SecretServiceFact]
    public async Task Login_with_an_API_key_writes_the_keyring_entry_and_no_auth_json()
    {
        UseStore("keyring");

        CliResult login = await RunAsync("login", "--with-api-key", stdin: "sk-keyring-SECRET\n");

        Assert.Equal(0, login.ExitCode);
        Assert.DoesNotContain("sk-keyring-SECRET", login.All, StringComparison.Ordinal);
        string secret = await daemon.SecretToolAsync(null, "lookup", "service", "Codex Auth", "username", Account, "target", "default");
        Assert.Equal("sk-keyring-SECRET", (string?)JsonNode.Parse(secret)!["OPENAI_API_KEY"]);
        Assert.False(File.Exists(_home.File("auth.json")));
    }

    [SecretServiceFact]
    public async Task Forced_login_method_in_config_toml_refuses_the_other_sign_in()
    {
        File.WriteAllText(_home.File("config.toml"), "cli_auth_credentials_store = \"keyring\"\nforced_login_method = \"chatgpt\"\n");

        CliResult login = await RunAsync("login", "--with-api-key", stdin: "sk-refused\n");

        Assert.NotEqual(0, login.ExitCode);
        Assert.Contains("forced_login_method", login.Stderr, StringComparison.Ordinal);
        Assert.Equal(string.Empty, await daemon.SecretToolAsync(null, "lookup", "service", "Codex Auth", "username", Account));
    }

    [Fact]
    public async Task Without_a_Secret_Service_auto_uses_auth_json_and_status_says_why_while_keyring_fails_with_the_typed_error()
    {
        var noBus = new Dictionary<string, string> { ["DBUS_SESSION_BUS_ADDRESS"] = "unix:path=" + _home.File("no-bus") };
        await new FileCredentialStore(_home.Path).SaveAsync(CodexAuthDocument.CreateApiKey("sk-file-SECRET"));
        UseStore("auto");

        CliResult auto = await CliProcess.RunAsync(_home.Path, ["status", "--json"], env: noBus);

        Assert.Equal(0, auto.ExitCode);
        string store = (string)JsonNode.Parse(auto.Stdout)!["store"]!;
        Assert.StartsWith("file: " + _home.File("auth.json") + " (auto; ", store, StringComparison.Ordinal);
        Assert.Contains("Secret Service", store, StringComparison.Ordinal);

        UseStore("keyring");
        CliResult keyring = await CliProcess.RunAsync(_home.Path, ["status"], env: noBus);

        Assert.NotEqual(0, keyring.ExitCode);
        Assert.Contains("keyring (Secret Service) cannot be used", keyring.Stderr, StringComparison.Ordinal);
        Assert.Contains("cli_auth_credentials_store", keyring.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-file-SECRET", auto.All + keyring.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_config_toml_is_reported_with_file_and_line()
    {
        File.WriteAllText(_home.File("config.toml"), "model = \"x\"\ncli_auth_credentials_store = \n");

        CliResult status = await CliProcess.RunAsync(_home.Path, ["status"]);

        Assert.NotEqual(0, status.ExitCode);
        Assert.Contains(_home.File("config.toml"), status.Stderr, StringComparison.Ordinal);
        Assert.Contains("line 2", status.Stderr, StringComparison.Ordinal);
    }

    private void UseStore(string mode) => File.WriteAllText(_home.File("config.toml"), $"cli_auth_credentials_store = \"{mode}\"\n");

    private Task<CliResult> RunAsync(string first, string? second = null, string? third = null, string? stdin = null)
    {
        string[] args = new[] { first, second, third }.Where(a => a is not null).Select(a => a!).ToArray();
        return CliProcess.RunAsync(_home.Path, args, stdin, new Dictionary<string, string>(daemon.ChildEnvironment));
    }

    private Task<string> StoreAsCodexCliAsync(string json) =>
        daemon.SecretToolAsync(
            json,
            "store",
            "--label=" + Account + "@Codex Auth:default (keyring v3.6.3)",
            "service", "Codex Auth", "username", Account, "target", "default", "application", "rust-keyring");
}
