namespace Codex.Auth.Redis.Tests;

public sealed class RedisStoreAddressTests
{
    [Theory]
    [InlineData("redis://cache.internal:6380/2?name=ci-fleet", "cache.internal", 6380, 2, "ci-fleet", false)]
    [InlineData("redis://127.0.0.1", "127.0.0.1", 6379, -1, "default", false)]
    [InlineData("rediss://cache.internal:7000/0", "cache.internal", 7000, 0, "default", true)]
    [InlineData("redis://[::1]:6379?name=a.b_c-d", "::1", 6379, -1, "a.b_c-d", false)]
    public void Parses_host_port_database_and_name(string text, string host, int port, int database, string name, bool tls)
    {
        RedisStoreAddress address = RedisStoreAddress.Parse(text);

        Assert.Equal((host, port, database, name, tls), (address.Host, address.Port, address.Database, address.Name, address.UseTls));
        Assert.Equal(address.ToString(), RedisStoreAddress.Parse(address.ToString()).ToString());
    }

    [Theory]
    [InlineData("redis://:hunter2@cache:6379", "password")]
    [InlineData("redis://user:hunter2@cache:6379", "password")]
    [InlineData("redis://cache:6379/abc", "database number")]
    [InlineData("redis://cache:6379?name=bad name", "store name")]
    [InlineData("redis://cache:6379?db=1", "name=NAME")]
    [InlineData("http://cache:6379", "redis://HOST:PORT")]
    public void Refuses_what_it_cannot_use_and_never_echoes_a_password(string text, string expected)
    {
        FormatException ex = Assert.Throws<FormatException>(() => RedisStoreAddress.Parse(text));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", ex.Message, StringComparison.Ordinal);
    }
}
