using System.Text.Json.Nodes;
using Codex.Auth.Testing;

namespace Codex.Auth.Cli.Tests;

/// <summary>export-token and demo as real processes against the fake server.</summary>
public sealed class CliTokenCommandTests : IAsyncLifetime
{
    private readonly TempDirectory _home = new();
    private FakeCodexServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeCodexServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _home.Dispose();
    }

    private Task<CliResult> Run(params string[] args) =>
        CliProcess.RunAsync(_home.Path, args, null, new Dictionary<string, string> { ["CODEX_REFRESH_TOKEN_URL_OVERRIDE"] = _server.TokenEndpoint.AbsoluteUri });

    private FakeSignIn WriteSignInNearExpiry()
    {
        FakeSignIn signIn = _server.SignIn(accountId: "acct_export", isFedRamp: true);
        // Issued 10 minutes ago, expires in 90 seconds: inside the 5-minute refresh window.
        JsonObject doc = (JsonObject)JsonNode.Parse(signIn.ToAuthJson(DateTimeOffset.UtcNow.AddMinutes(-10)))!;
        doc["tokens"]!["access_token"] = _server.MintJwt(new JsonObject
        {
            ["exp"] = DateTimeOffset.UtcNow.AddSeconds(90).ToUnixTimeSeconds(),
            ["iat"] = DateTimeOffset.UtcNow.AddMinutes(-10).ToUnixTimeSeconds(),
        });
        File.WriteAllText(_home.File("auth.json"), doc.ToJsonString());
        return signIn;
    }

    [Fact]
    public async Task Export_token_refreshes_a_token_inside_the_window_and_prints_only_the_access_token()
    {
        FakeSignIn original = WriteSignInNearExpiry();

        CliResult result = await Run("export-token", "--json");

        Assert.Equal(0, result.ExitCode);
        FakeSignIn current = _server.CurrentTokens("acct_export");
        Assert.Equal(1, _server.TokenRefreshCount);
        JsonObject json = (JsonObject)JsonNode.Parse(result.Stdout)!;
        Assert.Equal(["access_token", "expires_at", "account_id", "fedramp"], json.Select(p => p.Key).ToArray());
        Assert.Equal(current.AccessToken, (string?)json["access_token"]);
        Assert.Equal("acct_export", (string?)json["account_id"]);
        Assert.True((bool)json["fedramp"]!);
        Assert.Equal(current.AccessTokenExpiresAt.ToUnixTimeSeconds(), DateTimeOffset.Parse((string)json["expires_at"]!, System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeSeconds(), tolerance: 60);
        Assert.DoesNotContain(current.RefreshToken, result.All, StringComparison.Ordinal);
        Assert.DoesNotContain(original.RefreshToken, result.All, StringComparison.Ordinal);
        Assert.DoesNotContain(current.IdToken, result.All, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://remote-host.invalid/oauth/token", "InsecureTransport")]
    [InlineData("http://user:hunter2pass@remote-host.invalid/oauth/token", "InvalidEndpoint")]
    [InlineData("https://user:hunter2pass@auth.example.invalid/oauth/token", "InvalidEndpoint")]
    [InlineData("not a url hunter2pass", "InvalidEndpoint")]
    [InlineData("file:///etc/hunter2pass", "InvalidEndpoint")]
    [InlineData("/oauth/token", "InvalidEndpoint")]
    public async Task A_refresh_override_that_is_malformed_or_plain_http_elsewhere_is_a_typed_error_that_sends_nothing(string value, string reason)
    {
        // Issue 12 item 4, as a real process: no crash (exit 134), no POST, no echoed password.
        FakeSignIn original = WriteSignInNearExpiry();

        CliResult result = await CliProcess.RunAsync(_home.Path, ["export-token"], null, new Dictionary<string, string> { ["CODEX_REFRESH_TOKEN_URL_OVERRIDE"] = value });

        Assert.Equal(1, result.ExitCode);
        Assert.Contains(reason == "InsecureTransport" ? "is plain HTTP to a host that is not loopback" : "it must be an absolute https:// URL", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("CODEX_REFRESH_TOKEN_URL_OVERRIDE", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2pass", result.All, StringComparison.Ordinal);
        Assert.DoesNotContain(original.RefreshToken, result.All, StringComparison.Ordinal);
        Assert.Equal(0, _server.TokenRefreshCount);
    }

    [Fact]
    public async Task Export_token_text_output_is_key_value_lines()
    {
        _ = WriteSignInNearExpiry();
        CliResult result = await Run("export-token");

        Assert.Equal(0, result.ExitCode);
        string[] keys = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=')[0]).ToArray();
        Assert.Equal(["access_token", "expires_at", "account_id", "fedramp"], keys);
        Assert.Contains("access_token=" + _server.CurrentTokens("acct_export").AccessToken, result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_token_refuses_api_keys_with_the_reason()
    {
        File.WriteAllText(_home.File("auth.json"), """{"auth_mode":"apikey","OPENAI_API_KEY":"sk-never-print-me"}""");

        CliResult result = await Run("export-token");

        Assert.Equal(1, result.ExitCode);
        Assert.Empty(result.Stdout);
        Assert.Contains("API key", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("sk-never-print-me", result.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_token_when_not_signed_in_says_what_to_run()
    {
        CliResult result = await Run("export-token");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("codex login --device-auth", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Demo_runs_the_whole_cycle_and_shows_no_token()
    {
        CliResult result = await Run("demo");

        Assert.True(result.ExitCode == 0, result.All);
        for (int step = 1; step <= 6; step++)
        {
            Assert.Contains($"[{step}/6]", result.Stdout, StringComparison.Ordinal);
        }

        Assert.Contains("proactive_expiry, unauthorized_recovery", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotMatch(@"eyJ[A-Za-z0-9_-]{10,}", result.All);
        Assert.False(File.Exists(_home.File("auth.json")), "the demo must not touch CODEX_HOME");
    }

    [Fact]
    public async Task Demo_fake_server_ignores_kestrel_endpoints_named_in_the_environment()
    {
        // The fake server (Codex.Auth.Testing) listens on two loopback ports of its own choosing, whatever configuration
        // the process has: an endpoint named in the environment (or an appsettings.json beside the app) is not bound, so a
        // port it names that is already taken cannot make the server fail to start. Here the named port is held.
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        int port = ((System.Net.IPEndPoint)taken.LocalEndpoint).Port;

        CliResult result = await CliProcess.RunAsync(_home.Path, ["demo"], null, new Dictionary<string, string>
        {
            ["Kestrel__Endpoints__planted__Url"] = $"http://127.0.0.1:{port}",
            ["ASPNETCORE_Kestrel__Endpoints__planted__Url"] = $"http://127.0.0.1:{port}",
        });

        Assert.True(result.ExitCode == 0, result.All);
        Assert.Contains("[6/6]", result.Stdout, StringComparison.Ordinal);
    }
}
