using System.Text.Json.Nodes;
using Codex.Auth.Testing;

namespace Codex.Auth.Cli.Tests;

/// <summary><c>codex-auth status</c> tells every credential kind truthfully, offline and (<c>--verify</c>) against the fake server.</summary>
public sealed class CliStatusTests : IAsyncLifetime
{
    private readonly TempDirectory _home = new();
    private FakeCodexServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeCodexServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _home.Dispose();
    }

    [Fact]
    public async Task An_agent_identity_in_CODEX_ACCESS_TOKEN_is_decoded_offline_with_account_plan_and_fedramp()
    {
        FakeAgentRuntime runtime = _server.CreateAgentRuntime("acct_fed", email: "agent@example.gov", plan: "enterprise", isFedRamp: true);
        var env = new Dictionary<string, string> { ["CODEX_ACCESS_TOKEN"] = runtime.IdentityJwt };

        CliResult json = await CliProcess.RunAsync(_home.Path, ["status", "--json"], null, env);
        CliResult text = await CliProcess.RunAsync(_home.Path, ["status"], null, env);

        Assert.True(json.ExitCode == 0, json.All);
        JsonObject status = JsonNode.Parse(json.Stdout)!.AsObject();
        Assert.True((bool)status["signed_in"]!);
        Assert.True((bool)status["valid"]!);
        Assert.Equal("agentIdentity", (string?)status["mode"]);
        Assert.Equal("env:CODEX_ACCESS_TOKEN", (string?)status["source"]);
        Assert.Equal("acct_fed", (string?)status["account_id"]);
        Assert.Equal("enterprise", (string?)status["plan"]);
        Assert.Equal("agent@example.gov", (string?)status["email"]);
        Assert.True((bool)status["fedramp"]!);
        Assert.Equal(runtime.AgentRuntimeId, (string?)status["agent_runtime_id"]);
        Assert.NotNull((string?)status["access_token_expires_at"]);
        Assert.Null(status["store_mode"]);

        Assert.True(text.ExitCode == 0, text.All);
        Assert.Contains("Using agentIdentity from CODEX_ACCESS_TOKEN", text.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Not signed in", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("acct_fed", text.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"FedRAMP:\s+yes", text.Stdout);
        foreach (CliResult result in new[] { json, text })
        {
            Assert.DoesNotContain(runtime.IdentityJwt, result.All, StringComparison.Ordinal);
            Assert.DoesNotContain(runtime.PrivateKeyPkcs8V1, result.All, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_value_that_is_not_a_JWT_is_invalid_and_exits_1_naming_the_variable()
    {
        var env = new Dictionary<string, string> { ["CODEX_ACCESS_TOKEN"] = "not-a-jwt" };

        CliResult text = await CliProcess.RunAsync(_home.Path, ["status"], null, env);
        CliResult json = await CliProcess.RunAsync(_home.Path, ["status", "--json"], null, env);

        Assert.Equal(1, text.ExitCode);
        string error = Assert.Single(text.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("from CODEX_ACCESS_TOKEN", error, StringComparison.Ordinal);
        Assert.Contains("not a JWT", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Signed in", text.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("not-a-jwt", text.All, StringComparison.Ordinal);
        Assert.Equal(1, json.ExitCode);
        JsonObject status = JsonNode.Parse(json.Stdout)!.AsObject();
        Assert.False((bool)status["signed_in"]!);
        Assert.False((bool)status["valid"]!);
        Assert.Contains("CODEX_ACCESS_TOKEN", (string?)status["invalid_reason"], StringComparison.Ordinal);
        Assert.NotEmpty(status["remedies"]!.AsArray());
    }

    [Fact]
    public async Task A_personal_access_token_is_named_and_its_account_left_to_whoami()
    {
        var env = new Dictionary<string, string> { ["CODEX_ACCESS_TOKEN"] = "at-offline-token-value" };

        CliResult text = await CliProcess.RunAsync(_home.Path, ["status"], null, env);

        Assert.True(text.ExitCode == 0, text.All);
        Assert.Contains("Using personalAccessToken from CODEX_ACCESS_TOKEN", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("--verify", text.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Not signed in", text.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("at-offline-token-value", text.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_shows_the_routed_origin_and_override_of_a_residency_constrained_workspace()
    {
        FakeSignIn signIn = _server.SignIn("acct_us", plan: "enterprise");
        File.WriteAllText(_home.File("auth.json"), signIn.ToAuthJson(DateTimeOffset.UtcNow));
        _server.RouteAccount("acct_us", routingOverride: "us");

        CliResult text = await RunAsync(null, "status", "--verify", "--chatgpt-base-url", _server.ChatGptBaseUrl.AbsoluteUri);
        CliResult json = await RunAsync(null, "status", "--verify", "--json", "--chatgpt-base-url", _server.ChatGptBaseUrl.AbsoluteUri);

        Assert.True(text.ExitCode == 0, text.All);
        Assert.Matches(@"Credential:\s+accepted", text.Stdout);
        Assert.Contains(_server.RoutedOrigin, text.Stdout, StringComparison.Ordinal);
        Assert.Contains("x-openai-account-routing-override: us", text.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"Plan:\s+enterprise", text.Stdout);
        Assert.True(json.ExitCode == 0, json.All);
        JsonObject verify = JsonNode.Parse(json.Stdout)!["verify"]!.AsObject();
        Assert.True((bool)verify["accepted"]!);
        Assert.Equal("acct_us", (string?)verify["account_id"]);
        Assert.Equal(_server.RoutedOrigin, (string?)verify["backend_origin"]);
        Assert.Equal("us", (string?)verify["routing_override"]);
        Assert.True((bool)verify["origin_discovered"]!);
        Assert.Equal(2, _server.RequestsTo("/backend-api/wham/accounts/check").Count);
        Assert.DoesNotContain(signIn.AccessToken, text.All + json.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_of_a_rejected_sign_in_exits_1_with_the_fix()
    {
        FakeSignIn stale = _server.SignIn("acct_gone");
        File.WriteAllText(_home.File("auth.json"), stale.ToAuthJson(DateTimeOffset.UtcNow));
        if (!OperatingSystem.IsWindows())
        {
            // As the Codex CLI writes it; otherwise the umask decides, and a group-readable file adds a permissions warning to stderr.
            File.SetUnixFileMode(_home.File("auth.json"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        _server.SignIn("acct_gone"); // signed in elsewhere since: the stored tokens no longer work

        CliResult text = await RunAsync(null, "status", "--verify", "--chatgpt-base-url", _server.ChatGptBaseUrl.AbsoluteUri);
        CliResult json = await RunAsync(null, "status", "--verify", "--json", "--chatgpt-base-url", _server.ChatGptBaseUrl.AbsoluteUri);

        Assert.Equal(1, text.ExitCode);
        Assert.Contains("REJECTED", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("codex login", Assert.Single(text.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => !l.StartsWith("codex-auth: warning:", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Equal(1, json.ExitCode);
        JsonObject verify = JsonNode.Parse(json.Stdout)!["verify"]!.AsObject();
        Assert.False((bool)verify["accepted"]!);
        Assert.Contains("codex login", (string?)verify["fix"], StringComparison.Ordinal);
        Assert.DoesNotContain(stale.RefreshToken, text.All + json.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_of_an_agent_identity_checks_the_JWKS_and_asks_discovery()
    {
        FakeAgentRuntime runtime = _server.CreateAgentRuntime("acct_agent", plan: "business");
        _server.RouteAccount("acct_agent", routingOverride: "us_cr");
        var env = new Dictionary<string, string>
        {
            ["CODEX_ACCESS_TOKEN"] = runtime.IdentityJwt,
            ["CODEX_AGENT_IDENTITY_JWKS_BASE_URL"] = _server.ChatGptBaseUrl.AbsoluteUri,
            ["CODEX_AGENT_IDENTITY_AUTHAPI_BASE_URL"] = _server.IssuerString + "/api/accounts",
        };

        CliResult json = await CliProcess.RunAsync(_home.Path, ["status", "--verify", "--json", "--chatgpt-base-url", _server.ChatGptBaseUrl.AbsoluteUri], null, env);

        Assert.True(json.ExitCode == 0, json.All);
        JsonObject verify = JsonNode.Parse(json.Stdout)!["verify"]!.AsObject();
        Assert.True((bool)verify["accepted"]!);
        Assert.Contains("JWT verified", (string?)verify["check"], StringComparison.Ordinal);
        Assert.Equal("us_cr", (string?)verify["routing_override"]);
        Assert.Equal("business", (string?)verify["plan"]);
        Assert.Single(_server.RequestsTo("/backend-api/wham/agent-identities/jwks"));
        Assert.StartsWith("AgentAssertion ", _server.RequestsTo("/backend-api/wham/accounts/check")[0].Header("Authorization"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Verify_of_a_personal_access_token_asks_whoami_at_CODEX_AUTHAPI_BASE_URL()
    {
        string token = _server.CreatePersonalAccessToken("acct_pat", plan: "pro");
        var env = new Dictionary<string, string>
        {
            ["CODEX_ACCESS_TOKEN"] = token,
            ["CODEX_AUTHAPI_BASE_URL"] = _server.IssuerString + "/api/accounts",
        };

        CliResult text = await CliProcess.RunAsync(_home.Path, ["status", "--verify", "--chatgpt-base-url", _server.ChatGptBaseUrl.AbsoluteUri], null, env);

        Assert.True(text.ExitCode == 0, text.All);
        Assert.Contains("whoami", text.Stdout, StringComparison.Ordinal);
        Assert.Matches(@"Workspace:\s+acct_pat", text.Stdout);
        Assert.Matches(@"Plan:\s+pro", text.Stdout);
        Assert.Single(_server.RequestsTo("/api/accounts/v1/user-auth-credential/whoami"));
        Assert.DoesNotContain(token, text.All, StringComparison.Ordinal);
    }

    private Task<CliResult> RunAsync(string? stdin, params string[] args) =>
        CliProcess.RunAsync(_home.Path, args, stdin, new Dictionary<string, string> { ["CODEX_REFRESH_TOKEN_URL_OVERRIDE"] = _server.TokenEndpoint.AbsoluteUri });
}
