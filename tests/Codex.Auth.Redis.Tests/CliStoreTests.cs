using System.Text.Json.Nodes;
using Codex.Auth.Redis.Tests.Infrastructure;
using Codex.Auth.Storage;
using Codex.Auth.Testing;

namespace Codex.Auth.Redis.Tests;

/// <summary><c>codex-auth store import</c> and <c>--store redis://…</c> on status, export-token and logout, as real processes.</summary>
public sealed class CliStoreTests(RedisFixture redis) : IClassFixture<RedisFixture>
{

    [Fact]
    public async Task Import_moves_the_sign_in_into_Redis_then_status_export_token_and_logout_use_it()
    {
        await using FakeCodexServer server = await FakeCodexServer.StartAsync();
        using var home = new TempDirectory();
        byte[] key = RedisFixture.NewKey();
        string name = RedisFixture.NewName();
        string uri = redis.Server.StoreUri(name);
        FakeSignIn signIn = server.SignIn(accountId: "acct_cli");
        JsonObject doc = (JsonObject)JsonNode.Parse(signIn.ToAuthJson(DateTimeOffset.UtcNow.AddHours(-2)))!;
        doc["tokens"]!["access_token"] = server.MintJwt(new JsonObject
        {
            ["exp"] = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds(),
            ["iat"] = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds(),
        });
        File.WriteAllText(home.File("auth.json"), doc.ToJsonString());
        var env = new Dictionary<string, string>
        {
            ["CODEX_AUTH_STORE_KEY"] = Convert.ToBase64String(key),
            ["CODEX_REFRESH_TOKEN_URL_OVERRIDE"] = server.TokenEndpoint.AbsoluteUri,
        };

        (int code, string stdout, string stderr) = await RunAsync(home.Path, env, "store", "import", "--to", uri);
        Assert.True(code == 0, stderr);
        Assert.Contains("account=acct_cli", stdout, StringComparison.Ordinal);
        Assert.False(File.Exists(home.File("auth.json")));
        await using RedisCredentialStore store = await redis.CreateStoreAsync(name, key);
        Assert.Equal(signIn.RefreshToken, CrossMachineTests.RefreshTokenOf(await store.LoadAsync()));

        (code, stdout, stderr) = await RunAsync(home.Path, env, "status", "--store", uri, "--json");
        Assert.True(code == 0, stderr);
        JsonObject status = (JsonObject)JsonNode.Parse(stdout)!;
        Assert.Equal("acct_cli", (string?)status["account_id"]);
        Assert.Equal(uri, (string?)status["store"]);

        (code, stdout, stderr) = await RunAsync(home.Path, env, "export-token", "--store", uri, "--json");
        Assert.True(code == 0, stderr);
        FakeSignIn current = server.CurrentTokens("acct_cli");
        Assert.Equal(current.AccessToken, (string?)JsonNode.Parse(stdout)!["access_token"]);
        Assert.Equal(1, server.TokenRefreshCount);
        Assert.Equal(current.RefreshToken, CrossMachineTests.RefreshTokenOf(await store.LoadAsync()));
        Assert.False(File.Exists(home.File("auth.json")));

        // Another key is a typed error that names both key ids, and says nothing secret.
        var wrong = new Dictionary<string, string>(env) { ["CODEX_AUTH_STORE_KEY"] = Convert.ToBase64String(RedisFixture.NewKey()) };
        (code, stdout, stderr) = await RunAsync(home.Path, wrong, "status", "--store", uri);
        Assert.Equal(1, code);
        Assert.Contains(store.KeyId, stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(current.AccessToken, stdout + stderr, StringComparison.Ordinal);

        (code, _, stderr) = await RunAsync(home.Path, env, "logout", "--store", uri);
        Assert.True(code == 0, stderr);
        Assert.Null(await store.LoadAsync());
    }

    [Fact]
    public async Task Import_with_keep_local_warns_that_two_copies_fork_the_lineage_and_a_store_uri_with_a_password_is_refused()
    {
        await using FakeCodexServer server = await FakeCodexServer.StartAsync();
        using var home = new TempDirectory();
        byte[] key = RedisFixture.NewKey();
        string uri = redis.Server.StoreUri(RedisFixture.NewName());
        File.WriteAllText(home.File("auth.json"), server.SignIn(accountId: "acct_keep").ToAuthJson());
        var env = new Dictionary<string, string> { ["CODEX_AUTH_STORE_KEY"] = Convert.ToBase64String(key) };

        (int code, _, string stderr) = await RunAsync(home.Path, env, "store", "import", "--to", uri, "--keep-local");
        Assert.True(code == 0, stderr);
        Assert.Contains("refresh_token_reused", stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(home.File("auth.json")));

        (code, _, stderr) = await RunAsync(home.Path, env, "status", "--store", $"redis://:hunter2@127.0.0.1:{redis.Server.Port}");
        Assert.Equal(2, code);
        Assert.DoesNotContain("hunter2", stderr, StringComparison.Ordinal);

        (code, _, stderr) = await RunAsync(home.Path, new Dictionary<string, string>(), "status", "--store", uri);
        Assert.Equal(1, code);
        Assert.Contains("CODEX_AUTH_STORE_KEY", stderr, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunAsync(string home, IReadOnlyDictionary<string, string> env, params string[] args)
    {
        CliResult result = await CliProcess.RunAsync(home, args, null, env);
        return (result.ExitCode, result.Stdout, result.Stderr);
    }
}
