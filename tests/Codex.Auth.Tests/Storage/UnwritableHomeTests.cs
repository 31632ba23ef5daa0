using System.Text.Json.Nodes;
using Codex.Auth.Testing;
using Codex.Auth.Tests.Infrastructure;

namespace Codex.Auth.Tests.Storage;

/// <summary>A refresh into a CODEX_HOME the process cannot write must not lose the sign-in (run as an unprivileged user).</summary>
public sealed class UnwritableHomeTests
{
    private const string NeedsRoot = "needs root and setpriv(1) to run the CLI as an unprivileged user";

    // Without root a directory this user cannot write is not constructible. CI runs as root.
    private static bool CanBecomeAnotherUser => OperatingSystem.IsLinux() && Environment.UserName == "root" && File.Exists("/usr/bin/setpriv");

    /// <summary>
    /// Skipped, with the reason in the test report, where there is no other user to become — except under CI=true, where the
    /// test runs and fails on its first line with that reason, as the keyring tests do.
    /// </summary>
    private sealed class AsUnprivilegedUserFactAttribute : FactAttribute
    {
        public AsUnprivilegedUserFactAttribute()
        {
            if (!CanBecomeAnotherUser && !SecretServiceDaemon.Required)
            {
                Skip = NeedsRoot;
            }
        }
    }

    [AsUnprivilegedUserFact]
    public async Task A_refresh_that_could_not_be_saved_is_not_attempted_and_the_sign_in_survives()
    {
        Assert.True(CanBecomeAnotherUser, NeedsRoot);
        await using FakeCodexServer server = await FakeCodexServer.StartAsync();
        using var home = new TempDirectory();
        FakeSignIn signIn = server.SignIn(accountId: "acct_ro");

        // Owned by root: readable by everyone, writable by root only.
        byte[] before = PrepareExpiredHome(server, signIn, home, directoryMode: (UnixFileMode)0x1ED); // 0755

        (int exitCode, string stdout, string stderr) = await RunAsNobodyAsync(home.Path, server.TokenEndpoint);

        Assert.True(exitCode == 1, stdout + stderr);
        Assert.Contains("cannot be written", stderr, StringComparison.Ordinal);
        Assert.Contains("not spent", stderr, StringComparison.Ordinal);
        Assert.Equal(0, server.TokenRefreshCount);
        Assert.Equal(before, File.ReadAllBytes(home.File("auth.json")));
        Assert.DoesNotContain(signIn.RefreshToken, stdout + stderr, StringComparison.Ordinal);

        // The sign-in is intact: once the directory can be written, the same refresh token works.
        CliResult owner = await CliProcess.RunAsync(home.Path, ["export-token"], null, new Dictionary<string, string> { ["CODEX_REFRESH_TOKEN_URL_OVERRIDE"] = server.TokenEndpoint.AbsoluteUri });
        Assert.True(owner.ExitCode == 0, owner.All);
        Assert.Equal(1, server.TokenRefreshCount);
    }

    [AsUnprivilegedUserFact]
    public async Task A_save_that_fails_after_the_refresh_keeps_the_new_token_usable_and_the_cli_says_the_sign_in_was_not_saved()
    {
        Assert.True(CanBecomeAnotherUser, NeedsRoot);
        await using FakeCodexServer server = await FakeCodexServer.StartAsync();
        using var home = new TempDirectory();
        FakeSignIn signIn = server.SignIn(accountId: "acct_late");

        // Writable when the CLI checks (before spending the refresh token), read-only by the time it saves: the
        // directory is made root's 0755 while the token endpoint holds its answer.
        byte[] before = PrepareExpiredHome(server, signIn, home, directoryMode: (UnixFileMode)0x1FF); // 0777
        FakeGate answer = server.TokenFaults.HoldNextResponse();

        Task<(int ExitCode, string Stdout, string Stderr)> run = RunAsNobodyAsync(home.Path, server.TokenEndpoint);
        await answer.Reached.WaitAsync(TimeSpan.FromMinutes(2));
        File.SetUnixFileMode(home.Path, (UnixFileMode)0x1ED);                    // 0755, owned by root
        answer.Release();
        (int exitCode, string stdout, string stderr) = await run;

        // The refresh token was spent; the new access token is printed and works, and the user is told the sign-in was not saved.
        FakeSignIn current = server.CurrentTokens("acct_late");
        Assert.True(exitCode == 0, stdout + stderr);
        Assert.Contains("access_token=" + current.AccessToken, stdout, StringComparison.Ordinal);
        Assert.Equal(1, server.TokenRefreshCount);
        Assert.Contains("could not be saved", stderr, StringComparison.Ordinal);
        Assert.Contains("sign in again", stderr, StringComparison.Ordinal);
        Assert.Equal(before, File.ReadAllBytes(home.File("auth.json")));
        foreach (string secret in new[] { signIn.RefreshToken, current.RefreshToken, current.AccessToken, signIn.AccessToken })
        {
            Assert.DoesNotContain(secret, stderr, StringComparison.Ordinal);
        }
    }

    /// <summary>
    /// A root-owned CODEX_HOME holding <paramref name="signIn"/> with an expired access token: auth.json 0644, both lock files 0666
    /// (the lock itself may be taken by anyone), the directory <paramref name="directoryMode"/>. Returns auth.json's bytes.
    /// </summary>
    private static byte[] PrepareExpiredHome(FakeCodexServer server, FakeSignIn signIn, TempDirectory home, UnixFileMode directoryMode)
    {
        JsonObject doc = (JsonObject)JsonNode.Parse(signIn.ToAuthJson(DateTimeOffset.UtcNow.AddHours(-3)))!;
        doc["tokens"]!["access_token"] = server.MintJwt(new JsonObject
        {
            ["exp"] = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds(),
            ["iat"] = DateTimeOffset.UtcNow.AddHours(-3).ToUnixTimeSeconds(),
        });
        File.WriteAllText(home.File("auth.json"), doc.ToJsonString());
        File.SetUnixFileMode(home.Path, directoryMode);
        File.SetUnixFileMode(home.File("auth.json"), (UnixFileMode)0x1A4);       // 0644
        foreach (string lockFile in new[] { "auth.lock", "auth.json.lock" })
        {
            File.WriteAllText(home.File(lockFile), string.Empty);
            File.SetUnixFileMode(home.File(lockFile), (UnixFileMode)0x1B6);      // 0666
        }

        return File.ReadAllBytes(home.File("auth.json"));
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsNobodyAsync(string codexHome, Uri tokenEndpoint)
    {
        // nobody has no home: the dotnet host needs a writable one.
        using var dotnetHome = new TempDirectory();
        File.SetUnixFileMode(dotnetHome.Path, (UnixFileMode)0x1FF);
        CliResult result = await CliProcess.RunAsync(
            codexHome,
            ["export-token"],
            env: new Dictionary<string, string>
            {
                ["HOME"] = dotnetHome.Path,
                ["DOTNET_CLI_HOME"] = dotnetHome.Path,
                ["CODEX_REFRESH_TOKEN_URL_OVERRIDE"] = tokenEndpoint.AbsoluteUri,
            },
            runAs: ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]).WaitAsync(TimeSpan.FromMinutes(2));
        return (result.ExitCode, result.Stdout, result.Stderr);
    }
}
