using System.Text;
using System.Text.Json.Nodes;
using Codex.Auth.Redis.Tests.Infrastructure;
using Codex.Auth.Storage;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Codex.Auth.Redis.Tests;

/// <summary>The Redis store against a real redis-server started by the fixture.</summary>
public sealed class RedisCredentialStoreTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Saves_and_loads_the_document_with_unknown_fields_kept()
    {
        string name = RedisFixture.NewName();
        await using RedisCredentialStore store = await redis.CreateStoreAsync(name, RedisFixture.NewKey());
        Assert.Null(await store.LoadAsync());

        CodexAuthDocument document = Document("one").Item1;
        await store.SaveAsync(document);
        CodexAuthDocument? loaded = await store.LoadAsync();

        Assert.NotNull(loaded);
        Assert.True(document.HasSameCredentials(loaded));
        JsonObject json = (JsonObject)JsonNode.Parse(loaded.ToJson())!;
        Assert.Equal("kept", (string?)json["future_field"]!["nested"]);
        Assert.Equal($"redis://127.0.0.1:{redis.Server.Port}?name={name}", store.Location);
    }

    [Fact]
    public async Task What_is_stored_in_Redis_contains_no_token_in_clear()
    {
        string name = RedisFixture.NewName();
        await using RedisCredentialStore store = await redis.CreateStoreAsync(name, RedisFixture.NewKey());
        (CodexAuthDocument document, string[] secrets) = Document("scan");
        await store.SaveAsync(document);
        await using (await store.AcquireRefreshLockAsync())
        {
            await store.SaveAsync(document);

            // Every key of this store, its name and every field and value in it (the lease included, while held).
            RedisKey[] keys = redis.RawServer.Keys(pattern: $"codex-auth:{{{name}}}:*").ToArray();
            Assert.Equal(3, keys.Length);
            var raw = new StringBuilder();
            foreach (RedisKey key in keys)
            {
                raw.Append((string?)key).Append('\n');
                RedisType type = await redis.Raw.KeyTypeAsync(key);
                if (type == RedisType.Hash)
                {
                    foreach (HashEntry entry in await redis.Raw.HashGetAllAsync(key))
                    {
                        raw.Append((string?)entry.Name).Append('=').Append(Encoding.Latin1.GetString((byte[])entry.Value!)).Append('\n');
                    }
                }
                else
                {
                    raw.Append(Encoding.Latin1.GetString((byte[])(await redis.Raw.StringGetAsync(key))!)).Append('\n');
                }
            }

            string all = raw.ToString();
            Assert.Contains("sealed=CXR1", all, StringComparison.Ordinal);
            foreach (string secret in secrets)
            {
                Assert.DoesNotContain(secret, all, StringComparison.Ordinal);
                Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(secret)), all, StringComparison.Ordinal);
            }

            Assert.DoesNotContain("refresh_token", all, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_wrong_key_is_a_typed_error_and_the_document_is_left_alone()
    {
        string name = RedisFixture.NewName();
        await using RedisCredentialStore writer = await redis.CreateStoreAsync(name, RedisFixture.NewKey());
        await writer.SaveAsync(Document("wrong-key").Item1);
        RedisValue before = await redis.Raw.HashGetAsync($"codex-auth:{{{name}}}:document", "sealed");

        await using RedisCredentialStore other = await redis.CreateStoreAsync(name, RedisFixture.NewKey());
        CodexAuthException ex = await Assert.ThrowsAsync<CodexAuthException>(async () => await other.LoadAsync());

        Assert.Equal(CodexAuthFailureReason.InvalidStoreKey, ex.Reason);
        Assert.Contains(writer.KeyId, ex.Message, StringComparison.Ordinal);
        Assert.Contains(other.KeyId, ex.Message, StringComparison.Ordinal);
        Assert.Equal((byte[])before!, (byte[])(await redis.Raw.HashGetAsync($"codex-auth:{{{name}}}:document", "sealed"))!);
    }

    [Fact]
    public async Task A_missing_or_malformed_key_is_a_typed_error_before_anything_is_written()
    {
        using ConnectionMultiplexer connection = await RedisFixture.ConnectAsync(redis.Server);
        var empty = CodexEnvironment.FromValues(new Dictionary<string, string?>());
        CodexAuthException missing = Assert.Throws<CodexAuthException>(() => new RedisCredentialStore(connection, new RedisCredentialStoreOptions(), environment: empty));
        Assert.Equal(CodexAuthFailureReason.InvalidStoreKey, missing.Reason);
        Assert.Contains("CODEX_AUTH_STORE_KEY", missing.Message, StringComparison.Ordinal);

        var shortKey = CodexEnvironment.FromValues(new Dictionary<string, string?> { ["CODEX_AUTH_STORE_KEY"] = Convert.ToBase64String(new byte[16]) });
        CodexAuthException malformed = Assert.Throws<CodexAuthException>(() => new RedisCredentialStore(connection, new RedisCredentialStoreOptions(), environment: shortKey));
        Assert.Equal(CodexAuthFailureReason.InvalidStoreKey, malformed.Reason);

        using var dir = new TempDirectory();
        byte[] key = RedisFixture.NewKey();
        File.WriteAllText(dir.File("store.key"), Convert.ToBase64String(key) + "\n");
        string name = RedisFixture.NewName();
        await using var fromFile = new RedisCredentialStore(connection, new RedisCredentialStoreOptions { Name = name, EncryptionKeyFile = dir.File("store.key") }, environment: empty);
        var fromEnvironment = CodexEnvironment.FromValues(new Dictionary<string, string?> { ["CODEX_AUTH_STORE_KEY"] = Convert.ToBase64String(key) });
        await using var fromEnv = new RedisCredentialStore(connection, new RedisCredentialStoreOptions { Name = name }, environment: fromEnvironment);
        Assert.Equal(fromFile.KeyId, fromEnv.KeyId);
        await fromFile.SaveAsync(Document("file").Item1);
        Assert.NotNull(await fromEnv.LoadAsync());
    }

    [Fact]
    public async Task A_sealed_value_copied_under_another_name_does_not_open()
    {
        byte[] key = RedisFixture.NewKey();
        string a = RedisFixture.NewName();
        string b = RedisFixture.NewName();
        await using RedisCredentialStore storeA = await redis.CreateStoreAsync(a, key);
        await using RedisCredentialStore storeB = await redis.CreateStoreAsync(b, key);
        await storeA.SaveAsync(Document("copied").Item1);
        RedisValue sealedValue = await redis.Raw.HashGetAsync($"codex-auth:{{{a}}}:document", "sealed");
        await redis.Raw.HashSetAsync($"codex-auth:{{{b}}}:document", "sealed", sealedValue);

        CodexAuthException ex = await Assert.ThrowsAsync<CodexAuthException>(async () => await storeB.LoadAsync());
        Assert.Equal(CodexAuthFailureReason.InvalidStoreKey, ex.Reason);
    }

    [Fact]
    public async Task A_value_that_is_not_a_sealed_document_is_malformed()
    {
        string name = RedisFixture.NewName();
        await using RedisCredentialStore store = await redis.CreateStoreAsync(name, RedisFixture.NewKey());
        await redis.Raw.HashSetAsync($"codex-auth:{{{name}}}:document", "sealed", "{\"auth_mode\":\"apikey\"}");

        CodexAuthException ex = await Assert.ThrowsAsync<CodexAuthException>(async () => await store.LoadAsync());
        Assert.Equal(CodexAuthFailureReason.MalformedStore, ex.Reason);
    }

    [Fact]
    public async Task The_lease_excludes_other_instances_until_released()
    {
        string name = RedisFixture.NewName();
        byte[] key = RedisFixture.NewKey();
        await using RedisCredentialStore a = await redis.CreateStoreAsync(name, key);
        await using RedisCredentialStore b = await redis.CreateStoreAsync(name, key);

        IAsyncDisposable held = await a.AcquireRefreshLockAsync();
        Task<IAsyncDisposable> waiting = b.AcquireRefreshLockAsync().AsTask();
        string? owner = await redis.Raw.StringGetAsync($"codex-auth:{{{name}}}:lease");
        Assert.NotNull(owner);
        Assert.False(waiting.IsCompleted);

        await held.DisposeAsync();
        await using IAsyncDisposable second = await waiting.WaitAsync(Patience);
        Assert.NotEqual(owner, (string?)await redis.Raw.StringGetAsync($"codex-auth:{{{name}}}:lease"));
    }

    [Fact]
    public async Task A_lease_is_released_only_by_its_owner()
    {
        string name = RedisFixture.NewName();
        await using RedisCredentialStore store = await redis.CreateStoreAsync(name, RedisFixture.NewKey());
        IAsyncDisposable held = await store.AcquireRefreshLockAsync();

        // The lease lapsed and someone else took it: releasing ours must not delete theirs.
        await redis.Raw.StringSetAsync($"codex-auth:{{{name}}}:lease", "someone-else");
        await held.DisposeAsync();

        Assert.Equal("someone-else", (string?)await redis.Raw.StringGetAsync($"codex-auth:{{{name}}}:lease"));
    }

    [Fact]
    public async Task A_release_by_the_owner_is_announced_on_the_channel_so_that_waiters_go_on_at_once_and_no_other_release_is()
    {
        string name = RedisFixture.NewName();
        string leaseKey = $"codex-auth:{{{name}}}:lease";
        await using RedisCredentialStore store = await redis.CreateStoreAsync(name, RedisFixture.NewKey());
        ChannelMessageQueue messages = await redis.Raw.Multiplexer.GetSubscriber().SubscribeAsync(RedisChannel.Literal($"codex-auth:{{{name}}}:changed"));
        try
        {
            IAsyncDisposable held = await store.AcquireRefreshLockAsync();
            await held.DisposeAsync();
            Assert.Equal("released", (string?)(await messages.ReadAsync().AsTask().WaitAsync(Patience)).Message);

            // The lease lapsed and someone else took it: releasing ours neither deletes theirs nor announces anything.
            held = await store.AcquireRefreshLockAsync();
            await redis.Raw.StringSetAsync(leaseKey, "someone-else");
            await held.DisposeAsync();
            Assert.Equal("someone-else", (string?)await redis.Raw.StringGetAsync(leaseKey));
            await redis.Raw.KeyDeleteAsync(leaseKey);
            await store.SaveAsync(Document("after").Item1);
            string? next = await messages.ReadAsync().AsTask().WaitAsync(Patience) is { } m ? (string?)m.Message : null;
            Assert.True(long.TryParse(next, out _), $"the next message should be the save's fencing token, not '{next}'");
        }
        finally
        {
            await messages.UnsubscribeAsync();
        }
    }

    [Fact]
    public async Task The_lease_is_renewed_while_held_and_renewal_stops_once_it_is_lost()
    {
        var time = new FakeTimeProvider();
        string name = RedisFixture.NewName();
        await using RedisCredentialStore store = await redis.CreateStoreAsync(name, RedisFixture.NewKey(), o => o.LeaseDuration = TimeSpan.FromSeconds(3), time);
        var renewals = new List<bool>();
        var renewed = new SemaphoreSlim(0);
        store.LeaseRenewed += (_, ok) =>
        {
            lock (renewals)
            {
                renewals.Add(ok);
            }

            renewed.Release();
        };
        string leaseKey = $"codex-auth:{{{name}}}:lease";
        await using IAsyncDisposable held = await store.AcquireRefreshLockAsync();

        // Stretch the TTL so that only a renewal can bring it back to the lease duration.
        await redis.Raw.KeyExpireAsync(leaseKey, TimeSpan.FromMinutes(5));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await renewed.WaitAsync(Patience));
        TimeSpan? ttl = await redis.Raw.KeyTimeToLiveAsync(leaseKey);
        Assert.True(ttl <= TimeSpan.FromSeconds(3), $"TTL {ttl}");

        // Someone else now holds it: the renewal neither extends nor takes it, and stops.
        await redis.Raw.StringSetAsync(leaseKey, "someone-else", TimeSpan.FromMinutes(5));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(await renewed.WaitAsync(Patience));
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("someone-else", (string?)await redis.Raw.StringGetAsync(leaseKey));
        Assert.True(await redis.Raw.KeyTimeToLiveAsync(leaseKey) > TimeSpan.FromMinutes(4));
        lock (renewals)
        {
            Assert.Equal([true, false], renewals);
        }
    }

    [Fact]
    public async Task A_holder_whose_lease_lapsed_never_overwrites_a_newer_document()
    {
        string name = RedisFixture.NewName();
        byte[] key = RedisFixture.NewKey();
        await using RedisCredentialStore stale = await redis.CreateStoreAsync(name, key);
        await using RedisCredentialStore fresh = await redis.CreateStoreAsync(name, key);
        await stale.SaveAsync(Document("original").Item1);

        IAsyncDisposable staleLease = await stale.AcquireRefreshLockAsync();

        // The stale holder stalls past its lease (it expires); another instance takes the lease and writes.
        await redis.Raw.KeyDeleteAsync($"codex-auth:{{{name}}}:lease");
        CodexAuthDocument newer = Document("newer").Item1;
        await using (await fresh.AcquireRefreshLockAsync())
        {
            await fresh.SaveAsync(newer);
        }

        CodexAuthException ex = await Assert.ThrowsAsync<CodexAuthException>(async () => await stale.SaveAsync(Document("stale").Item1));
        Assert.Equal(CodexAuthFailureReason.RefreshFailed, ex.Reason);
        await staleLease.DisposeAsync();
        Assert.True(newer.HasSameCredentials(await fresh.LoadAsync()));
    }

    [Fact]
    public async Task A_holder_whose_lease_lapsed_still_writes_when_nothing_newer_is_stored()
    {
        string name = RedisFixture.NewName();
        byte[] key = RedisFixture.NewKey();
        await using RedisCredentialStore store = await redis.CreateStoreAsync(name, key);
        await store.SaveAsync(Document("original").Item1);
        CodexAuthDocument rotated = Document("rotated").Item1;
        await using (await store.AcquireRefreshLockAsync())
        {
            // Its lease lapsed, but no one wrote since: its tokens are the only live ones and must be kept.
            await redis.Raw.KeyDeleteAsync($"codex-auth:{{{name}}}:lease");
            await store.SaveAsync(rotated);
        }

        Assert.True(rotated.HasSameCredentials(await store.LoadAsync()));
    }

    [Fact]
    public async Task A_sign_out_is_not_undone_by_a_lapsed_lease_holder()
    {
        string name = RedisFixture.NewName();
        byte[] key = RedisFixture.NewKey();
        await using RedisCredentialStore holder = await redis.CreateStoreAsync(name, key);
        await using RedisCredentialStore other = await redis.CreateStoreAsync(name, key);
        await holder.SaveAsync(Document("signed-in").Item1);
        await using (await holder.AcquireRefreshLockAsync())
        {
            Assert.True(await other.DeleteAsync());
            await Assert.ThrowsAsync<CodexAuthException>(async () => await holder.SaveAsync(Document("resurrected").Item1));
        }

        Assert.Null(await other.LoadAsync());
        Assert.False(await other.DeleteAsync());
    }

    [Fact]
    public async Task Every_instance_is_told_of_a_change_through_pub_sub()
    {
        string name = RedisFixture.NewName();
        byte[] key = RedisFixture.NewKey();
        await using RedisCredentialStore writer = await redis.CreateStoreAsync(name, key);
        await using RedisCredentialStore watcher = await redis.CreateStoreAsync(name, key);
        await using RedisCredentialStore unrelated = await redis.CreateStoreAsync(RedisFixture.NewName(), key);
        var changed = new SemaphoreSlim(0);
        int unrelatedCalls = 0;
        using IDisposable watch = watcher.Watch(() => changed.Release());
        using IDisposable watchUnrelated = unrelated.Watch(() => Interlocked.Increment(ref unrelatedCalls));
        await WaitSubscribedAsync(name);

        await writer.SaveAsync(Document("announce").Item1);
        Assert.True(await changed.WaitAsync(Patience));
        await writer.DeleteAsync();
        Assert.True(await changed.WaitAsync(Patience));
        Assert.Equal(0, Volatile.Read(ref unrelatedCalls));

        watch.Dispose();
        await writer.SaveAsync(Document("after").Item1);
        await unrelated.SaveAsync(Document("own").Item1);
        Assert.True(await RedisEventually.TrueAsync(() => Volatile.Read(ref unrelatedCalls) == 1, Patience));
        Assert.Equal(0, changed.CurrentCount);
    }

    private async Task WaitSubscribedAsync(string name)
    {
        RedisChannel channel = RedisChannel.Literal($"codex-auth:{{{name}}}:changed");
        Assert.True(await RedisEventually.TrueAsync(async () => await redis.RawServer.SubscriptionSubscriberCountAsync(channel) >= 1, Patience));
    }

    internal static (CodexAuthDocument, string[]) Document(string tag)
    {
        string id = $"id-token-{tag}-{Guid.NewGuid():N}";
        string access = $"access-token-{tag}-{Guid.NewGuid():N}";
        string refresh = $"refresh-token-{tag}-{Guid.NewGuid():N}";
        string json = $$$"""
            {"auth_mode":"chatgpt","OPENAI_API_KEY":null,
             "tokens":{"id_token":"{{{id}}}","access_token":"{{{access}}}","refresh_token":"{{{refresh}}}","account_id":"acct_{{{tag}}}"},
             "last_refresh":"2026-11-30T12:00:00.000000Z","future_field":{"nested":"kept"}}
            """;
        return (CodexAuthDocument.Parse(json, "test"), [id, access, refresh]);
    }
}
