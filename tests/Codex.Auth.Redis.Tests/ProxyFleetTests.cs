using System.Net;
using Codex.Auth.Redis.Tests.Infrastructure;
using Codex.Auth.Storage;
using Codex.Auth.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Codex.Auth.Redis.Tests;

/// <summary>
/// Two real <c>codex-auth proxy --store redis://… --forward-host-credentials</c> processes on two "machines" (separate
/// CODEX_HOMEs, one Redis), each serving one agent, through one token expiry.
/// </summary>
/// <remarks>
/// The processes run on the real clock, so the expiry is produced by the fake server: its own clock is a
/// <see cref="FakeTimeProvider"/> that the test moves past the access token's <c>exp</c>. From then on the upstream answers
/// the old token with 401 <c>token_expired</c>, and the proxies must renew the shared sign-in exactly once between them.
/// </remarks>
public sealed class ProxyFleetTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private const string Account = "acct_proxy_fleet";
    private static readonly TimeSpan s_patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Two_proxy_processes_on_one_Redis_store_serve_their_agents_through_one_expiry_with_exactly_one_refresh()
    {
        var serverClock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using FakeCodexServer server = await FakeCodexServer.StartAsync(new FakeCodexServerOptions { TimeProvider = serverClock });
        using var machineA = new TempDirectory();
        using var machineB = new TempDirectory();
        byte[] key = RedisFixture.NewKey();
        string name = RedisFixture.NewName();
        string uri = redis.Server.StoreUri(name);
        FakeSignIn first = server.SignIn(accountId: Account);
        await using (RedisCredentialStore seed = await redis.CreateStoreAsync(name, key))
        {
            await seed.SaveAsync(CodexAuthDocument.Parse(first.ToAuthJson(DateTimeOffset.UtcNow), "seed"));
        }

        var env = new Dictionary<string, string>
        {
            ["CODEX_AUTH_STORE_KEY"] = Convert.ToBase64String(key),
            ["CODEX_REFRESH_TOKEN_URL_OVERRIDE"] = server.TokenEndpoint.AbsoluteUri,
        };
        string[] args =
        [
            "--forward-host-credentials",
            "--store", uri,
            "--chatgpt-upstream", new Uri(server.BaseAddress, "backend-api").AbsoluteUri,
            "--openai-upstream", new Uri(server.BaseAddress, "v1").AbsoluteUri,
            "--auth-upstream", server.BaseAddress.AbsoluteUri,
        ];
        Task<(ProxyProcess, Uri)> startA = ProxyProcess.StartAsync(machineA.Path, env, args, s_patience);
        Task<(ProxyProcess, Uri)> startB = ProxyProcess.StartAsync(machineB.Path, env, args, s_patience);
        await Task.WhenAll(startA, startB);
        (ProxyProcess proxyA, Uri addressA) = await startA;
        (ProxyProcess proxyB, Uri addressB) = await startB;
        await using (proxyA)
        await using (proxyB)
        {
            using var agentA = new HttpClient { BaseAddress = addressA, Timeout = s_patience };
            using var agentB = new HttpClient { BaseAddress = addressB, Timeout = s_patience };
            const string PathA = "backend-api/fleet/agent-a";
            const string PathB = "backend-api/fleet/agent-b";

            // Before the expiry both agents are served on the seeded token, and nobody refreshes.
            for (int i = 0; i < 3; i++)
            {
                Assert.Equal(HttpStatusCode.OK, await StatusAsync(agentA, PathA));
                Assert.Equal(HttpStatusCode.OK, await StatusAsync(agentB, PathB));
            }

            Assert.Equal(0, server.TokenRefreshCount);
            Assert.All(server.RequestsTo("/" + PathA).Concat(server.RequestsTo("/" + PathB)), r => Assert.Equal("Bearer " + first.AccessToken, r.Header("Authorization")));

            // The token expires (upstream's clock), while both agents keep sending.
            serverClock.Advance(TimeSpan.FromHours(2));
            Task<int> throughA = ThroughExpiryAsync(agentA, PathA);
            Task<int> throughB = ThroughExpiryAsync(agentB, PathB);
            int[] rejected = await Task.WhenAll(throughA, throughB);

            Assert.True(rejected.Sum() >= 1, "the upstream never rejected the expired token, so the expiry was not exercised");
            Assert.Equal(1, server.TokenRefreshCount);
            CrossMachineTests.AssertNoRefreshTokenSentTwice(server);
            Assert.Equal(["unauthorized_recovery"], server.RefreshReasons);
            FakeSignIn current = server.CurrentTokens(Account);
            Assert.NotEqual(first.RefreshToken, current.RefreshToken);
            Assert.NotEqual(first.AccessToken, current.AccessToken);

            // Both proxies' traffic ends on the new token; nothing but the two tokens of the lineage was ever sent.
            foreach (string path in new[] { PathA, PathB })
            {
                IReadOnlyList<RecordedRequest> seen = server.RequestsTo("/" + path);
                Assert.All(seen.TakeLast(3), r => Assert.Equal("Bearer " + current.AccessToken, r.Header("Authorization")));
                Assert.All(seen, r => Assert.Contains(r.Header("Authorization"), new[] { "Bearer " + first.AccessToken, "Bearer " + current.AccessToken }));
                Assert.All(seen, r => Assert.Equal(Account, r.Header("ChatGPT-Account-ID")));
            }

            // The shared store holds the new lineage head; neither machine fell back to a local auth.json.
            await using (RedisCredentialStore store = await redis.CreateStoreAsync(name, key))
            {
                Assert.Equal(current.RefreshToken, CrossMachineTests.RefreshTokenOf(await store.LoadAsync()));
            }

            Assert.False(File.Exists(Path.Combine(machineA.Path, "auth.json")));
            Assert.False(File.Exists(Path.Combine(machineB.Path, "auth.json")));

            Assert.Equal(0, await proxyA.StopAsync(s_patience));
            Assert.Equal(0, await proxyB.StopAsync(s_patience));
            foreach (string output in new[] { proxyA.Output, proxyB.Output })
            {
                foreach (string secret in new[] { first.AccessToken, first.RefreshToken, current.AccessToken, current.RefreshToken, env["CODEX_AUTH_STORE_KEY"] })
                {
                    Assert.DoesNotContain(secret, output, StringComparison.Ordinal);
                }
            }
        }
    }

    private static async Task<HttpStatusCode> StatusAsync(HttpClient agent, string path)
    {
        using HttpResponseMessage response = await agent.GetAsync(path);
        return response.StatusCode;
    }

    /// <summary>
    /// One agent after the expiry: retries what the upstream rejects (as Codex does after a 401) until it is served again,
    /// bounded; then three more requests must all succeed. Returns how many requests were rejected on the way.
    /// </summary>
    private static async Task<int> ThroughExpiryAsync(HttpClient agent, string path)
    {
        int rejected = 0;
        bool served = await RedisEventually.TrueAsync(
            async () =>
            {
                HttpStatusCode status = await StatusAsync(agent, path);
                if (status == HttpStatusCode.OK)
                {
                    return true;
                }

                Assert.Equal(HttpStatusCode.Unauthorized, status);
                rejected++;
                return false;
            },
            s_patience);
        Assert.True(served, $"{path}: the agent was not served again within {s_patience} after the expiry ({rejected} rejected).");
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, await StatusAsync(agent, path));
        }

        return rejected;
    }
}
