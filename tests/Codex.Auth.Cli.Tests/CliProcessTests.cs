using System.Text.Json.Nodes;
using Codex.Auth.Storage;

namespace Codex.Auth.Cli.Tests;

/// <summary>Runs codex-auth as a real process against a loopback issuer in a temporary CODEX_HOME.</summary>
public sealed class CliProcessTests : IAsyncLifetime
{
    private readonly TempDirectory _home = new();
    private FakeIssuer _issuer = null!;

    public async Task InitializeAsync() => _issuer = await FakeIssuer.StartAsync();

    public async Task DisposeAsync()
    {
        await _issuer.DisposeAsync();
        _home.Dispose();
    }

    private string AuthPath => _home.File("auth.json");

    private Task<CliResult> Run(string? stdin, params string[] args) => CliProcess.RunAsync(_home.Path, args, stdin);

    private void AssertMode0600()
    {
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(AuthPath));
        }
    }

    private void AssertNoSecrets(CliResult result, params string[] more)
    {
        foreach (string secret in new[] { FakeIssuer.RefreshToken, FakeIssuer.AuthorizationCode, FakeIssuer.DeviceCodeVerifier, _issuer.AccessToken, _issuer.IdToken, "SECRET" }.Concat(more))
        {
            Assert.DoesNotContain(secret, result.All, StringComparison.Ordinal);
        }
    }

    private static void AssertOneLineError(CliResult result)
    {
        string[] lines = result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith("codex-auth: ", lines[0], StringComparison.Ordinal);
    }

    private async Task WriteChatGptAsync() =>
        await new FileCredentialStore(_home.Path).SaveAsync(CodexAuthDocument.CreateChatGpt(
            TestJwt.IdToken("acct_cli", "cli@example.com", "team", fedRamp: true),
            TestJwt.AccessToken(4_102_444_800),
            FakeIssuer.RefreshToken,
            "acct_cli",
            new DateTimeOffset(2026, 2, 3, 4, 5, 6, TimeSpan.Zero)));

    [Fact]
    public async Task Status_when_not_signed_in_exits_1_and_names_the_fixes()
    {
        CliResult result = await Run(null, "status");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("codex login --device-auth", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("codex login --with-api-key", result.Stdout, StringComparison.Ordinal);
        AssertOneLineError(result);
        Assert.Contains("not signed in", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Status_json_has_a_stable_shape_and_no_secret()
    {
        await WriteChatGptAsync();

        CliResult result = await Run(null, "status", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(string.Empty, result.Stderr);
        JsonObject json = JsonNode.Parse(result.Stdout)!.AsObject();
        Assert.Equal(
            ["signed_in", "mode", "source", "store", "store_mode", "account_id", "email", "plan", "fedramp", "access_token_expires_at", "access_token_expired", "last_refresh", "valid", "invalid_reason", "agent_runtime_id", "remedies"],
            json.Select(p => p.Key));
        Assert.True((bool)json["signed_in"]!);
        Assert.Equal("chatgpt", (string?)json["mode"]);
        Assert.Equal("store", (string?)json["source"]);
        Assert.Equal("file: " + AuthPath, (string?)json["store"]);
        Assert.Equal("acct_cli", (string?)json["account_id"]);
        Assert.Equal("cli@example.com", (string?)json["email"]);
        Assert.Equal("team", (string?)json["plan"]);
        Assert.True((bool)json["fedramp"]!);
        Assert.Equal("2100-01-01T00:00:00.000000Z", (string?)json["access_token_expires_at"]);
        Assert.False((bool)json["access_token_expired"]!);
        Assert.Equal("2026-02-03T04:05:06.000000Z", (string?)json["last_refresh"]);
        Assert.Empty(json["remedies"]!.AsArray());
        AssertNoSecrets(result);

        CliResult text = await Run(null, "status");
        Assert.Equal(0, text.ExitCode);
        Assert.Contains("Signed in with ChatGPT", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("cli@example.com", text.Stdout, StringComparison.Ordinal);
        AssertNoSecrets(text);
    }

    [Fact]
    public async Task Status_json_when_not_signed_in_lists_remedies()
    {
        CliResult result = await Run(null, "status", "--json");

        Assert.Equal(1, result.ExitCode);
        JsonObject json = JsonNode.Parse(result.Stdout)!.AsObject();
        Assert.False((bool)json["signed_in"]!);
        Assert.Null(json["mode"]);
        Assert.Equal(["codex login", "codex login --device-auth", "codex login --with-api-key"], json["remedies"]!.AsArray().Select(n => (string?)n));
    }

    [Fact]
    public async Task Status_reports_an_environment_api_key_without_printing_it()
    {
        using CliProcess cli = CliProcess.Start(_home.Path, ["status", "--json"], env: new Dictionary<string, string> { ["CODEX_API_KEY"] = "sk-env-SECRET" });
        CliResult result = await cli.WaitForExitAsync();

        Assert.Equal(0, result.ExitCode);
        JsonObject json = JsonNode.Parse(result.Stdout)!.AsObject();
        Assert.Equal("apikey", (string?)json["mode"]);
        Assert.Equal("env:CODEX_API_KEY", (string?)json["source"]);
        AssertNoSecrets(result, "sk-env");
    }

    [Fact]
    public async Task Login_with_api_key_reads_stdin_and_writes_a_0600_file()
    {
        CliResult result = await Run("sk-from-stdin-SECRET\n", "login", "--with-api-key");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Signed in with an API key", result.Stdout, StringComparison.Ordinal);
        Assert.Equal("""{"auth_mode":"apikey","OPENAI_API_KEY":"sk-from-stdin-SECRET"}""", JsonNode.Parse(await File.ReadAllTextAsync(AuthPath))!.ToJsonString());
        AssertMode0600();
        AssertNoSecrets(result, "sk-from-stdin");

        CliResult status = await Run(null, "status", "--json");
        Assert.Equal("apikey", (string?)JsonNode.Parse(status.Stdout)!["mode"]);
        AssertNoSecrets(status, "sk-from-stdin");
    }

    [Fact]
    public async Task Login_with_access_token_reads_stdin()
    {
        CliResult result = await Run("at-pat-SECRET", "login", "--with-access-token");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            """{"auth_mode":"personalAccessToken","OPENAI_API_KEY":null,"personal_access_token":"at-pat-SECRET"}""",
            JsonNode.Parse(await File.ReadAllTextAsync(AuthPath))!.ToJsonString());
        AssertMode0600();
        AssertNoSecrets(result, "at-pat");
    }

    [Theory]
    [InlineData("login", "--with-api-key", "sk-arg-SECRET")]
    [InlineData("login", "--with-api-key=sk-arg-SECRET")]
    [InlineData("login", "sk-arg-SECRET")]
    [InlineData("login", "--with-access-token", "at-arg-SECRET")]
    public async Task A_secret_given_as_an_argument_is_refused_without_echoing_it(params string[] args)
    {
        CliResult result = await Run("sk-stdin", args);

        Assert.Equal(2, result.ExitCode);
        AssertOneLineError(result);
        Assert.Contains("stdin", result.Stderr, StringComparison.Ordinal);
        AssertNoSecrets(result, "arg-SECRET");
        Assert.False(File.Exists(AuthPath));
    }

    [Fact]
    public async Task Empty_stdin_is_a_usage_error()
    {
        CliResult result = await Run(string.Empty, "login", "--with-api-key");

        Assert.Equal(2, result.ExitCode);
        AssertOneLineError(result);
        Assert.False(File.Exists(AuthPath));
    }

    [Fact]
    public async Task Device_login_end_to_end_while_the_test_approves_the_code()
    {
        _issuer.IntervalJson = "\"1\"";
        using CliProcess cli = CliProcess.Start(_home.Path, ["login", "--device-auth", "--issuer", _issuer.Issuer.AbsoluteUri]);

        await cli.WaitForStderrAsync(FakeIssuer.UserCode);
        Assert.Contains(_issuer.Issuer.AbsoluteUri.TrimEnd('/') + "/codex/device", cli.Stderr, StringComparison.Ordinal);
        Assert.Contains("15 minutes", cli.Stderr, StringComparison.Ordinal);
        _issuer.Approve();
        CliResult result = await cli.WaitForExitAsync();

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Signed in with ChatGPT as user@example.com (account acct_signin_42, plan plus)", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("⠋", result.Stderr, StringComparison.Ordinal); // stderr is a pipe: no spinner
        JsonNode json = JsonNode.Parse(await File.ReadAllTextAsync(AuthPath))!;
        Assert.Equal("chatgpt", (string?)json["auth_mode"]);
        Assert.Equal(FakeIssuer.AccountId, (string?)json["tokens"]!["account_id"]);
        Assert.Equal(FakeIssuer.RefreshToken, (string?)json["tokens"]!["refresh_token"]);
        AssertMode0600();
        AssertNoSecrets(result);
        Assert.Single(_issuer.RequestsTo("/oauth/token"));
    }

    [Fact]
    public async Task Device_login_is_cancelled_cleanly_by_ctrl_c_with_exit_130()
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        using CliProcess cli = CliProcess.Start(_home.Path, ["login", "--device-auth", "--issuer", _issuer.Issuer.AbsoluteUri]);
        await cli.WaitForStderrAsync(FakeIssuer.UserCode);

        cli.Signal("INT");

        CliResult result = await cli.WaitForExitAsync();
        Assert.Equal(130, result.ExitCode);
        Assert.Contains("cancelled", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(AuthPath));
    }

    [Fact]
    public async Task Device_login_not_enabled_fails_with_one_line()
    {
        _issuer.DeviceLoginEnabled = false;

        CliResult result = await Run(null, "login", "--device-auth", "--issuer", _issuer.Issuer.AbsoluteUri);

        Assert.Equal(1, result.ExitCode);
        AssertOneLineError(result);
        Assert.Contains("not enabled", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logout_revokes_and_deletes()
    {
        await WriteChatGptAsync();

        CliResult result = await Run(null, "logout", "--issuer", _issuer.Issuer.AbsoluteUri, "--json");

        Assert.Equal(0, result.ExitCode);
        JsonObject json = JsonNode.Parse(result.Stdout)!.AsObject();
        Assert.Equal(["removed", "revoke", "store"], json.Select(p => p.Key));
        Assert.True((bool)json["removed"]!);
        Assert.Equal("revoked", (string?)json["revoke"]);
        Assert.False(File.Exists(AuthPath));
        Assert.Contains(FakeIssuer.RefreshToken, Assert.Single(_issuer.RequestsTo("/oauth/revoke")).Body, StringComparison.Ordinal);
        AssertNoSecrets(result);

        CliResult again = await Run(null, "logout", "--issuer", _issuer.Issuer.AbsoluteUri);
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("nothing to remove", again.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Logout_honours_the_revoke_override_and_deletes_when_revoke_fails()
    {
        await WriteChatGptAsync();
        using CliProcess cli = CliProcess.Start(
            _home.Path,
            ["logout", "--issuer", _issuer.Issuer.AbsoluteUri],
            env: new Dictionary<string, string> { ["CODEX_REVOKE_TOKEN_URL_OVERRIDE"] = new Uri(_issuer.Issuer, "/elsewhere/revoke").AbsoluteUri });

        CliResult result = await cli.WaitForExitAsync();

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("could not be revoked", result.Stdout, StringComparison.Ordinal);
        Assert.Single(_issuer.RequestsTo("/elsewhere/revoke"));
        Assert.False(File.Exists(AuthPath));
    }

    [Fact]
    public async Task An_invalid_codex_home_fails_with_one_line()
    {
        using CliProcess cli = CliProcess.Start(Path.Combine(_home.Path, "missing"), ["status"]);
        CliResult result = await cli.WaitForExitAsync();

        Assert.Equal(1, result.ExitCode);
        AssertOneLineError(result);
        Assert.Contains("CODEX_HOME", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Browser_login_end_to_end_with_the_test_as_the_browser()
    {
        using CliProcess cli = CliProcess.Start(_home.Path, ["login", "--issuer", _issuer.Issuer.AbsoluteUri, "--port", "0", "--no-browser"]);
        await cli.WaitForStderrAsync("Waiting for the browser");
        string url = cli.Stderr.Split('\n').Select(l => l.Trim()).First(l => l.StartsWith(_issuer.Issuer.AbsoluteUri.TrimEnd('/') + "/oauth/authorize?", StringComparison.Ordinal));
        Dictionary<string, string> query = new Uri(url).Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
        var redirect = new Uri(query["redirect_uri"]);

        using var browser = new HttpClient();
        using HttpResponseMessage page = await browser.GetAsync(new Uri($"http://127.0.0.1:{redirect.Port}/auth/callback?code={FakeIssuer.AuthorizationCode}&state={Uri.EscapeDataString(query["state"])}"));
        CliResult result = await cli.WaitForExitAsync();

        Assert.Equal(System.Net.HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(0, result.ExitCode);
        Assert.Contains("Signed in with ChatGPT", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(FakeIssuer.AccountId, (string?)JsonNode.Parse(await File.ReadAllTextAsync(AuthPath))!["tokens"]!["account_id"]);
        AssertMode0600();
        AssertNoSecrets(result);
    }

    [Fact]
    public async Task Unknown_options_are_usage_errors()
    {
        CliResult result = await Run(null, "status", "--bogus");

        Assert.Equal(2, result.ExitCode);
    }
}
