using Codex.Auth.Redis.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Codex.Auth.Redis.Tests;

/// <summary>The store's options fail the same way at start (<c>AddCodexAuthRedisStore</c>) and in its constructor.</summary>
public sealed class OptionsValidationTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    public static TheoryData<string, Action<RedisCredentialStoreOptions>> BadOptions => new()
    {
        { "Name", o => o.Name = "has space" },
        { "LeaseDuration", o => o.LeaseDuration = TimeSpan.Zero },
        { "LeaseDuration", o => o.LeaseDuration = TimeSpan.FromHours(1) },
        { "OperationTimeout", o => o.OperationTimeout = TimeSpan.FromSeconds(-1) },
        { "Database", o => o.Database = -2 },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public async Task A_bad_value_fails_in_the_constructor_and_at_start_with_the_same_message(string option, Action<RedisCredentialStoreOptions> bad)
    {
        using ConnectionMultiplexer connection = await RedisFixture.ConnectAsync(redis.Server);
        var options = new RedisCredentialStoreOptions { EncryptionKey = RedisFixture.NewKey() };
        bad(options);

        var direct = Assert.Throws<OptionsValidationException>(() => new RedisCredentialStore(connection, options));
        Assert.StartsWith($"RedisCredentialStoreOptions.{option} ", direct.Message, StringComparison.Ordinal);

        var services = new ServiceCollection();
        services.AddCodexAuth().AddCodexAuthRedisStore(connection, o =>
        {
            o.EncryptionKey = RedisFixture.NewKey();
            bad(o);
        });
        await using ServiceProvider provider = services.BuildServiceProvider();
        var atStart = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Equal(direct.Message, atStart.Message);
    }
}
