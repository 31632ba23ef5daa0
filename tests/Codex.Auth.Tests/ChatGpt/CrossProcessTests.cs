using System.Diagnostics;
using System.Text.Json.Nodes;
using Codex.Auth.Storage;
using Codex.Auth.Testing;
using Codex.Auth.Tests.Infrastructure;

namespace Codex.Auth.Tests.ChatGpt;

/// <summary>Real OS processes sharing one CODEX_HOME.</summary>
public sealed class CrossProcessTests
{
    [Fact]
    public async Task Four_processes_with_an_expired_token_spend_the_refresh_token_exactly_once()
    {
        await using FakeCodexServer server = await FakeCodexServer.StartAsync();
        FakeSignIn signIn = server.SignIn(accountId: "acct_shared");
        using var home = new TempDirectory();

        // Same refresh token, but an access token that expired an hour ago.
        JsonObject doc = (JsonObject)JsonNode.Parse(signIn.ToAuthJson(DateTimeOffset.UtcNow.AddHours(-2)))!;
        doc["tokens"]!["access_token"] = server.MintJwt(new JsonObject
        {
            ["exp"] = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds(),
            ["iat"] = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds(),
        });
        File.WriteAllText(home.File("auth.json"), doc.ToJsonString());
        string start = home.File("start");

        Process[] processes = Enumerable.Range(0, 4)
            .Select(_ => HelperProcess.Start("refresh", home.Path, server.TokenEndpoint.AbsoluteUri, server.CodexBaseUrl.AbsoluteUri, "5", start))
            .ToArray();
        File.WriteAllText(start, "go");
        string[] outputs = await Task.WhenAll(processes.Select(async p =>
        {
            string stdout = await p.StandardOutput.ReadToEndAsync();
            string stderr = await p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
            Assert.True(p.ExitCode == 0, $"helper failed: {stderr}");
            return stdout.Trim();
        }));

        Assert.Equal(1, server.TokenRefreshCount);
        Assert.DoesNotContain(server.Requests, r => r.Path == "/oauth/token" && r.Body.Contains("reused", StringComparison.Ordinal));
        FakeSignIn current = server.CurrentTokens("acct_shared");
        string expectedFingerprint = new AuthHeaders("Bearer", current.AccessToken).Fingerprint;
        Assert.All(outputs, o => Assert.Equal($"status=200,200,200,200,200 fingerprint={expectedFingerprint}", o));
        JsonObject stored = (JsonObject)JsonNode.Parse(File.ReadAllText(home.File("auth.json")))!;
        Assert.Equal(current.RefreshToken, (string?)stored["tokens"]!["refresh_token"]);
    }

    [Fact]
    public async Task A_process_killed_while_writing_leaves_the_old_or_the_new_complete_document()
    {
        using var home = new TempDirectory();
        var store = new FileCredentialStore(home.Path);
        for (int round = 0; round < 5; round++)
        {
            using Process writer = HelperProcess.Start("write-loop", home.Path);
            try
            {
                string? ready = await writer.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(1));
                Assert.Equal("ready", ready);

                // Let it write a varying number of times, then SIGKILL it mid-stream.
                for (int i = 0; i < 3 + round * 7; i++)
                {
                    _ = await store.LoadAsync();
                }
            }
            finally
            {
                // Also when an assertion above fails: never leave the writer running.
                writer.Kill(entireProcessTree: true);
                await writer.WaitForExitAsync();
            }

            CodexAuthDocument? document = await store.LoadAsync();
            Assert.NotNull(document);
            JsonObject json = (JsonObject)JsonNode.Parse(document.ToJson())!;
            string which = (string)json["which"]!;
            Assert.Contains(which, new[] { "A", "B" });
            Assert.Equal(which == "A" ? 64 * 1024 : 128 * 1024, ((string)json["pad"]!).Length);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(home.File("auth.json")));
        }

        // Whatever temp file a kill left behind is gone after the next write.
        await store.SaveAsync(CodexAuthDocument.CreateApiKey("sk-after"));
        Assert.Empty(Directory.GetFiles(home.Path, ".auth-*"));
    }
}
