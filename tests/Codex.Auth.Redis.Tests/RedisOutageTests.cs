using Codex.Auth.ChatGpt;
using Codex.Auth.Http;
using Codex.Auth.Redis.Tests.Infrastructure;
using Codex.Auth.Storage;
using Codex.Auth.Testing;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Codex.Auth.Redis.Tests;

/// <summary>Redis stalls (SIGSTOP), dies (SIGKILL) and comes back while two instances serve traffic.</summary>
public sealed class RedisOutageTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Requests_keep_succeeding_on_the_cached_token_with_no_refresh_without_the_lease_and_recover_without_restart()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using FakeCodexServer server = await FakeCodexServer.StartAsync(new FakeCodexServerOptions { TimeProvider = time, AccessTokenLifetime = TimeSpan.FromHours(1) });
        await using RedisServer redis = await RedisServer.StartAsync(persistent: true);
        byte[] key = RedisFixture.NewKey();
        string name = RedisFixture.NewName();
        FakeSignIn signIn = server.SignIn(accountId: "acct_outage");

        var connections = new List<ConnectionMultiplexer>();
        var stores = new List<RedisCredentialStore>();
        var providers = new List<ChatGptTokenProvider>();
        var clients = new List<HttpClient>();
        var refreshFailures = new SemaphoreSlim(0);
        var refreshed = new SemaphoreSlim(0);
        try
        {
            for (int i = 0; i < 2; i++)
            {
                ConnectionMultiplexer connection = await RedisFixture.ConnectAsync(redis, timeoutMilliseconds: 2000);
                connections.Add(connection);
                var store = new RedisCredentialStore(
                    connection,
                    new RedisCredentialStoreOptions { Name = name, EncryptionKey = key, OperationTimeout = TimeSpan.FromMilliseconds(1500), LeaseDuration = TimeSpan.FromSeconds(5) },
                    environment: CodexEnvironment.FromValues(new Dictionary<string, string?>()));
                stores.Add(store);
                if (i == 0)
                {
                    await store.SaveAsync(CodexAuthDocument.Parse(signIn.ToAuthJson(time.GetUtcNow()), "seed"));
                }

                var provider = new ChatGptTokenProvider(
                    new ChatGptTokenProviderOptions
                    {
                        CredentialStore = store,
                        RefreshTokenUrl = server.TokenEndpoint,
                        BaseUrl = server.CodexBaseUrl,
                        RefreshRetryDelay = TimeSpan.Zero,
                        BackgroundRetryDelay = TimeSpan.FromSeconds(10),
                    },
                    time,
                    environment: CodexEnvironment.FromValues(new Dictionary<string, string?>()));
                provider.BackgroundRefreshFailed += (_, e) =>
                {
                    Assert.Equal(CodexAuthFailureReason.StoreUnavailable, e.Error.Reason);
                    refreshFailures.Release();
                };
                provider.Refreshed += (_, _) => refreshed.Release();
                providers.Add(provider);
                clients.Add(new HttpClient(new CodexAuthHandler(provider) { InnerHandler = new SocketsHttpHandler() }) { BaseAddress = new Uri(server.CodexBaseUrl.AbsoluteUri + "/") });
            }

            await AllSucceedAsync(clients);

            // A change is announced, and Redis stalls before the instances re-read: they keep the token they have.
            var announced = new SemaphoreSlim(0);
            using IDisposable watch0 = stores[0].Watch(() => announced.Release());
            using IDisposable watch1 = stores[1].Watch(() => announced.Release());
            Assert.True(await RedisEventually.TrueAsync(async () => await connections[0].GetServer(redis.EndPoint).SubscriptionSubscriberCountAsync(RedisChannel.Literal($"codex-auth:{{{name}}}:changed")) == 2, Patience));
            await connections[0].GetSubscriber().PublishAsync(RedisChannel.Literal($"codex-auth:{{{name}}}:changed"), "0");
            Assert.True(await announced.WaitAsync(Patience));
            Assert.True(await announced.WaitAsync(Patience));

            // Redis stalls. Traffic goes on; the refresh window opens; each background refresh fails to get the lease.
            redis.Pause();
            await AllSucceedAsync(clients);
            time.Advance(TimeSpan.FromMinutes(56));
            await AllSucceedAsync(clients);
            Assert.True(await refreshFailures.WaitAsync(Patience));
            Assert.True(await refreshFailures.WaitAsync(Patience));
            await AllSucceedAsync(clients);
            Assert.Equal(0, server.TokenRefreshCount);

            // Redis dies and comes back (same port, its append-only file intact). Nobody is restarted.
            await redis.KillAsync();
            await AllSucceedAsync(clients);
            await redis.RestartAsync();
            Assert.True(await RedisEventually.TrueAsync(() => connections.All(c => c.IsConnected), Patience));

            // The next background attempt gets the lease: exactly one refresh, and both instances serve its token.
            time.Advance(TimeSpan.FromSeconds(11));
            await AllSucceedAsync(clients);
            Assert.True(await refreshed.WaitAsync(Patience));
            Assert.True(await refreshed.WaitAsync(Patience));
            await AllSucceedAsync(clients);
            Assert.Equal(1, server.TokenRefreshCount);
            CrossMachineTests.AssertNoRefreshTokenSentTwice(server);
            FakeSignIn current = server.CurrentTokens("acct_outage");
            foreach (ChatGptTokenProvider provider in providers)
            {
                Assert.Equal(new AuthHeaders("Bearer", current.AccessToken).Fingerprint, (await provider.GetHeadersAsync()).Fingerprint);
            }

            Assert.Equal(current.RefreshToken, CrossMachineTests.RefreshTokenOf(await stores[1].LoadAsync()));
        }
        finally
        {
            redis.Resume();
            clients.ForEach(c => c.Dispose());
            providers.ForEach(p => p.Dispose());
            foreach (RedisCredentialStore store in stores)
            {
                await store.DisposeAsync();
            }

            foreach (ConnectionMultiplexer connection in connections)
            {
                await connection.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task The_store_reports_itself_unavailable_while_Redis_is_stalled_and_answers_again_afterwards()
    {
        await using RedisServer redis = await RedisServer.StartAsync();
        using ConnectionMultiplexer connection = await RedisFixture.ConnectAsync(redis, timeoutMilliseconds: 2000);
        await using var store = new RedisCredentialStore(
            connection,
            new RedisCredentialStoreOptions { Name = RedisFixture.NewName(), EncryptionKey = RedisFixture.NewKey(), OperationTimeout = TimeSpan.FromMilliseconds(1000) },
            environment: CodexEnvironment.FromValues(new Dictionary<string, string?>()));
        Assert.Null(await RetryAsync(() => store.LoadAsync().AsTask()));

        redis.Pause();
        try
        {
            CodexAuthException load = await Assert.ThrowsAsync<CodexAuthException>(async () => await store.LoadAsync());
            Assert.Equal(CodexAuthFailureReason.StoreUnavailable, load.Reason);
            CodexAuthException lease = await Assert.ThrowsAsync<CodexAuthException>(async () => await store.AcquireRefreshLockAsync());
            Assert.Equal(CodexAuthFailureReason.StoreUnavailable, lease.Reason);
        }
        finally
        {
            redis.Resume();
        }

        Assert.True(await RedisEventually.TrueAsync(() => connection.IsConnected, Patience));
        Assert.Null(await RetryAsync(() => store.LoadAsync().AsTask()));
        await using IAsyncDisposable held = await store.AcquireRefreshLockAsync();
    }

    private static async Task<T> RetryAsync<T>(Func<Task<T>> action)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                return await action();
            }
            catch (CodexAuthException ex) when (ex.Reason == CodexAuthFailureReason.StoreUnavailable && attempt < 20)
            {
            }
        }
    }

    private static async Task AllSucceedAsync(List<HttpClient> clients)
    {
        foreach (HttpClient client in clients)
        {
            using HttpResponseMessage response = await client.GetAsync(new Uri("models", UriKind.Relative));
            Assert.Equal(200, (int)response.StatusCode);
        }
    }
}
