using Codex.Auth.Testing;

namespace Codex.Auth.Cli.Tests;

/// <summary>Inputs that once crashed codex-auth (exit 134 with a stack trace), run against the real process.</summary>
public sealed class CliHardeningTests : IDisposable
{
    private readonly TempDirectory _home = new();

    public void Dispose() => _home.Dispose();

    private static byte[] Corpus(string name) => File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fuzz", "Corpus", "auth-json", name));

    [Theory]
    [InlineData("duplicate-top-level-key.json")]
    [InlineData("duplicate-tokens-member.json")]
    [InlineData("lone-low-surrogate-in-key.json")]
    public async Task Status_on_a_hostile_auth_json_is_a_one_line_typed_error_and_leaves_the_file_alone(string name)
    {
        byte[] bytes = Corpus(name);
        File.WriteAllBytes(_home.File("auth.json"), bytes);

        CliResult result = await CliProcess.RunAsync(_home.Path, ["status"]);

        Assert.True(result.ExitCode == 1, result.All);
        string line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("codex-auth: ", line, StringComparison.Ordinal);
        Assert.Contains("has not been modified", line, StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(_home.File("auth.json")));
    }

    [Theory]
    [InlineData("id-token-duplicate-claims.json")]
    [InlineData("id-token-invalid-utf8-payload.json")]
    [InlineData("id-token-lone-surrogate-payload.json")]
    [InlineData("access-token-duplicate-exp.json")]
    [InlineData("last-refresh-year-9999-without-exp.json")]
    public async Task Status_with_a_hostile_token_inside_shows_what_it_can_without_crashing(string name)
    {
        byte[] bytes = Corpus(name);
        File.WriteAllBytes(_home.File("auth.json"), bytes);

        CliResult result = await CliProcess.RunAsync(_home.Path, ["status"]);

        Assert.True(result.ExitCode is 0 or 1, result.All);
        Assert.DoesNotContain("Unhandled exception", result.All, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(_home.File("auth.json")));
    }

    [Fact]
    public async Task Status_on_a_160_MB_auth_json_refuses_it_by_size()
    {
        using (var stream = new FileStream(_home.File("auth.json"), FileMode.CreateNew))
        {
            stream.SetLength(160L * 1024 * 1024);
        }

        CliResult result = await CliProcess.RunAsync(_home.Path, ["status"]);

        Assert.True(result.ExitCode == 1, result.All);
        Assert.Contains("more than the 1048576", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Proxy_listening_on_an_ipv4_mapped_loopback_address_listens_on_127_0_0_1()
    {
        using CliProcess proxy = CliProcess.Start(_home.Path, ["proxy", "--listen", "[::ffff:127.0.0.1]:0"]);

        string line = await proxy.WaitForStdoutLineAsync("listening on ");

        Assert.StartsWith("listening on http://127.0.0.1:", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Proxy_verbose_log_on_stderr_holds_no_secret_and_forward_mode_strips_cookies()
    {
        await using FakeCodexServer server = await FakeCodexServer.StartAsync();
        FakeSignIn host = server.SignIn(accountId: "acct_proxy", plan: "pro", userId: "user-proxy");
        File.WriteAllText(_home.File("auth.json"), host.ToAuthJson(DateTimeOffset.UtcNow));
        const string agentKey = "cli-agent-key-0123456789-SECRET";
        File.WriteAllText(_home.File("agent.key"), agentKey + "\n");
        File.SetUnixFileMode(_home.File("agent.key"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        Uri fake = server.BaseAddress;
        using CliProcess proxy = CliProcess.Start(
            _home.Path,
            ["proxy", "--listen", "127.0.0.1:0", "--forward-host-credentials", "--verbose", "--agent-key-file", _home.File("agent.key"),
             "--chatgpt-upstream", new Uri(fake, "backend-api").AbsoluteUri, "--openai-upstream", new Uri(fake, "v1").AbsoluteUri, "--auth-upstream", fake.AbsoluteUri],
            env: new Dictionary<string, string> { ["CODEX_REFRESH_TOKEN_URL_OVERRIDE"] = server.TokenEndpoint.AbsoluteUri });
        string line = await proxy.WaitForStdoutLineAsync("listening on ");
        var address = new Uri(line["listening on ".Length..]);
        string[] secrets = ["cookie-SECRET-1", "cookie-SECRET-2", "xapikey-SECRET-a", "xapikey-SECRET-b", "agent-bearer-SECRET", "odd-scheme-SECRET", "code-in-query-SECRET", agentKey];

        using var client = new HttpClient { BaseAddress = address };
        using (var request = new HttpRequestMessage(HttpMethod.Get, "backend-api/codex/models"))
        {
            request.Headers.Add("X-Codex-Auth-Proxy-Key", agentKey);
            request.Headers.TryAddWithoutValidation("Cookie", "a=cookie-SECRET-1; b=cookie-SECRET-2");
            request.Headers.TryAddWithoutValidation("x-api-key", "xapikey-SECRET-a xapikey-SECRET-b");
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer agent-bearer-SECRET");
            using HttpResponseMessage response = await client.SendAsync(request);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        }

        using (var twice = new HttpRequestMessage(HttpMethod.Get, "backend-api/codex/models"))
        {
            twice.Headers.TryAddWithoutValidation("X-Codex-Auth-Proxy-Key", [agentKey, agentKey]);
            twice.Headers.TryAddWithoutValidation("Proxy-Authorization", "OddScheme odd-scheme-SECRET");
            using HttpResponseMessage refused = await client.SendAsync(twice);
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
        }

        using (var query = new HttpRequestMessage(HttpMethod.Get, "api/accounts/deviceauth/usercode?code=code-in-query-SECRET"))
        {
            query.Headers.Add("X-Codex-Auth-Proxy-Key", agentKey);
            (await client.SendAsync(query)).Dispose();
        }

        await proxy.WaitForStderrAsync("GET /api/accounts/deviceauth/usercode ->");
        CliResult result = await proxy.TerminateAsync();
        Assert.Equal(0, result.ExitCode);
        foreach (string secret in secrets.Concat([host.AccessToken, host.RefreshToken]))
        {
            Assert.DoesNotContain(secret, result.All, StringComparison.Ordinal);
        }

        Assert.Contains("Authorization: Bearer [", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Cookie: [", result.Stderr, StringComparison.Ordinal);
        RecordedRequest forwarded = Assert.Single(server.RequestsTo("/backend-api/codex/models"));
        Assert.Null(forwarded.Header("Cookie"));
        Assert.Equal("Bearer " + host.AccessToken, forwarded.Header("Authorization"));
    }
}
