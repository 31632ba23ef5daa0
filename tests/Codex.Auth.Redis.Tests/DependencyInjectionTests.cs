using Codex.Auth.ChatGpt;
using Codex.Auth.Redis.Tests.Infrastructure;
using Codex.Auth.Storage;
using Codex.Auth.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Codex.Auth.Redis.Tests;

public sealed class DependencyInjectionTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task One_call_after_AddCodexAuth_puts_every_provider_on_the_Redis_store()
    {
        await using FakeCodexServer server = await FakeCodexServer.StartAsync();
        byte[] key = RedisFixture.NewKey();
        string name = RedisFixture.NewName();
        FakeSignIn signIn = server.SignIn(accountId: "acct_di");
        await using (RedisCredentialStore seed = await redis.CreateStoreAsync(name, key))
        {
            await seed.SaveAsync(CodexAuthDocument.Parse(signIn.ToAuthJson(), "seed"));
        }

        var services = new ServiceCollection();
        services.AddCodexAuth(o => o.Source = CodexCredentialSource.ChatGpt)
            .AddCodexAuthRedisStore(redis.Server.StoreUri(name), o => o.EncryptionKey = key);
        await using ServiceProvider provider = services.BuildServiceProvider();

        var store = Assert.IsType<RedisCredentialStore>(provider.GetRequiredService<ICodexCredentialStore>());
        Assert.Equal(name, store.Name);
        var chatGpt = Assert.IsType<ChatGptTokenProvider>(provider.GetRequiredService<IAuthProvider>());
        Assert.Same(store, chatGpt.Store);
        AuthHeaders headers = await chatGpt.GetHeadersAsync();
        Assert.Equal(new AuthHeaders("Bearer", signIn.AccessToken).Fingerprint, headers.Fingerprint);
    }
}
