using System.Diagnostics;
using System.Text.Json.Nodes;
using Codex.Auth.Redis.Tests.Infrastructure;
using Codex.Auth.Storage;
using Codex.Auth.Testing;

namespace Codex.Auth.Redis.Tests;

/// <summary>Real processes on two "machines" (separate CODEX_HOMEs) sharing one sign-in through one real Redis.</summary>
public sealed class CrossMachineTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Four_processes_on_each_of_two_machines_refresh_an_expired_token_exactly_once()
    {
        await using FakeCodexServer server = await FakeCodexServer.StartAsync();
        using var machineA = new TempDirectory();
        using var machineB = new TempDirectory();
        byte[] key = RedisFixture.NewKey();
        string name = RedisFixture.NewName();
        FakeSignIn signIn = await SeedExpiredAsync(server, name, key, "acct_fleet");
        string start = machineA.File("start");

        Process[] processes = Enumerable.Range(0, 8)
            .Select(i => RedisHelperProcess.Start(i % 2 == 0 ? machineA.Path : machineB.Path, key, "refresh", redis.Server.StoreUri(name), "5000", server.TokenEndpoint.AbsoluteUri, server.CodexBaseUrl.AbsoluteUri, "5", start))
            .ToArray();
        File.WriteAllText(start, "go");
        string[] outputs = await Task.WhenAll(processes.Select(CollectAsync));

        Assert.Equal(1, server.TokenRefreshCount);
        AssertNoRefreshTokenSentTwice(server);
        FakeSignIn current = server.CurrentTokens("acct_fleet");
        Assert.NotEqual(signIn.RefreshToken, current.RefreshToken);
        string expected = new AuthHeaders("Bearer", current.AccessToken).Fingerprint;
        Assert.All(outputs, o => Assert.Equal($"status=200,200,200,200,200 fingerprint={expected}", o));
        await using RedisCredentialStore store = await redis.CreateStoreAsync(name, key);
        CodexAuthDocument? stored = await store.LoadAsync();
        Assert.Equal(current.RefreshToken, RefreshTokenOf(stored));

        // Nothing fell back to a file store on either machine.
        Assert.False(File.Exists(Path.Combine(machineA.Path, "auth.json")));
        Assert.False(File.Exists(Path.Combine(machineB.Path, "auth.json")));
    }

    [Fact]
    public async Task When_the_lease_holder_is_killed_before_its_POST_another_instance_takes_over_after_the_lease_expires()
    {
        await using FakeCodexServer server = await FakeCodexServer.StartAsync();
        using var machineA = new TempDirectory();
        using var machineB = new TempDirectory();
        byte[] key = RedisFixture.NewKey();
        string name = RedisFixture.NewName();
        await SeedExpiredAsync(server, name, key, "acct_takeover");
        string start = machineA.File("start");
        File.WriteAllText(start, "go");
        const string LeaseMs = "1500";

        // The first process takes the lease and stalls before its POST; it is SIGKILLed there.
        using Process holder = RedisHelperProcess.Start(machineA.Path, key, "refresh", redis.Server.StoreUri(name), LeaseMs, server.TokenEndpoint.AbsoluteUri, server.CodexBaseUrl.AbsoluteUri, "1", start, "pause-after-lease");
        string? line = await holder.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal("LEASED", line);
        Process[] others = Enumerable.Range(0, 3)
            .Select(i => RedisHelperProcess.Start(i % 2 == 0 ? machineB.Path : machineA.Path, key, "refresh", redis.Server.StoreUri(name), LeaseMs, server.TokenEndpoint.AbsoluteUri, server.CodexBaseUrl.AbsoluteUri, "3", start))
            .ToArray();
        holder.Kill(entireProcessTree: true);
        await holder.WaitForExitAsync();
        Assert.Equal(0, server.TokenRefreshCount);

        string[] outputs = await Task.WhenAll(others.Select(CollectAsync));

        Assert.Equal(1, server.TokenRefreshCount);
        AssertNoRefreshTokenSentTwice(server);
        FakeSignIn current = server.CurrentTokens("acct_takeover");
        string expected = new AuthHeaders("Bearer", current.AccessToken).Fingerprint;
        Assert.All(outputs, o => Assert.Equal($"status=200,200,200 fingerprint={expected}", o));
    }

    internal static async Task<string> CollectAsync(Process p)
    {
        try
        {
            Task<string> stdout = p.StandardOutput.ReadToEndAsync();
            Task<string> stderr = p.StandardError.ReadToEndAsync();
            await p.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
            Assert.True(p.ExitCode == 0, $"helper failed: {await stderr}");
            return (await stdout).Trim();
        }
        finally
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
            }

            p.Dispose();
        }
    }

    internal static void AssertNoRefreshTokenSentTwice(FakeCodexServer server)
    {
        string[] sent = server.Requests
            .Where(r => r.Path == "/oauth/token")
            .Select(r => (string?)((JsonObject)JsonNode.Parse(r.Body)!)["refresh_token"])
            .OfType<string>()
            .ToArray();
        Assert.Equal(sent.Length, sent.Distinct(StringComparer.Ordinal).Count());
    }

    internal static string? RefreshTokenOf(CodexAuthDocument? document) =>
        (string?)((JsonObject)JsonNode.Parse(document!.ToJson())!)["tokens"]!["refresh_token"];

    /// <summary>Stores a sign-in whose access token expired an hour ago (its refresh token is live).</summary>
    private async Task<FakeSignIn> SeedExpiredAsync(FakeCodexServer server, string name, byte[] key, string account)
    {
        FakeSignIn signIn = server.SignIn(accountId: account);
        JsonObject doc = (JsonObject)JsonNode.Parse(signIn.ToAuthJson(DateTimeOffset.UtcNow.AddHours(-2)))!;
        doc["tokens"]!["access_token"] = server.MintJwt(new JsonObject
        {
            ["exp"] = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds(),
            ["iat"] = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds(),
        });
        await using RedisCredentialStore store = await redis.CreateStoreAsync(name, key);
        await store.SaveAsync(CodexAuthDocument.Parse(doc.ToJsonString(), "seed"));
        return signIn;
    }
}
