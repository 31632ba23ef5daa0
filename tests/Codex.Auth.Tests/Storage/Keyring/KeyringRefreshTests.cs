using System.Diagnostics;
using System.Text.Json.Nodes;
using Codex.Auth.Testing;
using Codex.Auth.Tests.Infrastructure;

namespace Codex.Auth.Tests.Storage.Keyring;

/// <summary>A sign-in the Codex CLI keeps in the keyring, refreshed by several real processes at once.</summary>
[Collection(SecretServiceGroup.Name)]
public sealed class KeyringRefreshTests(SecretServiceDaemon daemon)
{
    [SecretServiceFact]
    public async Task Four_processes_refresh_a_keyring_sign_in_once_and_write_it_back_with_unknown_fields_intact()
    {
        await using FakeCodexServer server = await FakeCodexServer.StartAsync();
        FakeSignIn signIn = server.SignIn(accountId: "acct_keyring");
        using var home = new TempDirectory();
        string account = Codex.Auth.Storage.Keyring.KeyringEntryName.ForCodexHome(home.Path);

        // As the Codex CLI stores it: one line of auth.json JSON, an access token that expired an hour ago, and a
        // field this library does not know.
        JsonObject doc = (JsonObject)JsonNode.Parse(signIn.ToAuthJson(DateTimeOffset.UtcNow.AddHours(-2)))!;
        doc["tokens"]!["access_token"] = server.MintJwt(new JsonObject
        {
            ["exp"] = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds(),
            ["iat"] = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds(),
        });
        doc["codex_future_field"] = "kept";
        await daemon.SecretToolAsync(
            doc.ToJsonString(),
            "store",
            "--label=" + account + "@Codex Auth:default (keyring v3.6.3)",
            "service", "Codex Auth", "username", account, "target", "default", "application", "rust-keyring");
        string start = home.File("start");

        Process[] processes = Enumerable.Range(0, 4)
            .Select(_ => StartHelper("refresh", home.Path, server.TokenEndpoint.AbsoluteUri, server.CodexBaseUrl.AbsoluteUri, "3", start, "keyring"))
            .ToArray();
        File.WriteAllText(start, "go");
        string[] outputs = await Task.WhenAll(processes.Select(async p =>
        {
            string stdout = await p.StandardOutput.ReadToEndAsync();
            string stderr = await p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
            Assert.True(p.ExitCode == 0, $"helper failed: {stderr}");
            p.Dispose();
            return stdout.Trim();
        }));

        Assert.Equal(1, server.TokenRefreshCount);
        FakeSignIn current = server.CurrentTokens("acct_keyring");
        string expectedFingerprint = new AuthHeaders("Bearer", current.AccessToken).Fingerprint;
        Assert.All(outputs, o => Assert.Equal($"status=200,200,200 fingerprint={expectedFingerprint}", o));

        string secret = await daemon.SecretToolAsync(null, "lookup", "service", "Codex Auth", "username", account, "target", "default");
        JsonObject stored = (JsonObject)JsonNode.Parse(secret)!;
        Assert.Equal(current.RefreshToken, (string?)stored["tokens"]!["refresh_token"]);
        Assert.Equal("kept", (string?)stored["codex_future_field"]);
        Assert.False(File.Exists(home.File("auth.json")));
        Assert.True(File.Exists(home.File("auth.lock")));
    }

    private Process StartHelper(params string[] args)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(HelperProcess.DllPath);
        foreach (string arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment.Remove("CODEX_HOME");
        info.Environment.Remove("CODEX_API_KEY");
        info.Environment.Remove("CODEX_ACCESS_TOKEN");
        foreach ((string name, string value) in daemon.ChildEnvironment)
        {
            info.Environment[name] = value;
        }

        return Process.Start(info)!;
    }
}
