using Codex.Auth.Tests.Infrastructure;

namespace Codex.Auth.Tests.Cli;

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
}
