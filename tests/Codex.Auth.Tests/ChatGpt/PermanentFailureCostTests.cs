using System.Text.Json.Nodes;
using Codex.Auth.ChatGpt;
using Codex.Auth.Storage;
using Codex.Auth.Testing;
using Codex.Auth.Tests.Infrastructure;

namespace Codex.Auth.Tests.ChatGpt;

/// <summary>Issue 11: a remembered permanent failure costs no I/O per request until the store changes.</summary>
public sealed class PermanentFailureCostTests
{
    /// <summary>A real file store that counts reads and lets a test await the next change notification.</summary>
    private sealed class CountingStore(string codexHome) : ICodexCredentialStore
    {
        private readonly FileCredentialStore _inner = new(codexHome);
        private int _loads;
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Loads => Volatile.Read(ref _loads);

        public string Location => _inner.Location;

        public Task NextChange() => Volatile.Read(ref _changed).Task;

        public ValueTask<CodexAuthDocument?> LoadAsync(CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref _loads);
            return _inner.LoadAsync(cancellationToken);
        }

        public ValueTask SaveAsync(CodexAuthDocument document, CancellationToken cancellationToken = default) => _inner.SaveAsync(document, cancellationToken);

        public ValueTask<bool> DeleteAsync(CancellationToken cancellationToken = default) => _inner.DeleteAsync(cancellationToken);

        public ValueTask<IAsyncDisposable> AcquireRefreshLockAsync(CancellationToken cancellationToken = default) => _inner.AcquireRefreshLockAsync(cancellationToken);

        public ValueTask EnsureWritableAsync(CancellationToken cancellationToken = default) => _inner.EnsureWritableAsync(cancellationToken);

        public IDisposable Watch(Action onChanged) => _inner.Watch(() =>
        {
            onChanged();
            Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        });
    }

    [Fact]
    public async Task After_a_permanent_refresh_failure_requests_cause_no_store_read_and_no_http_call_until_the_store_changes()
    {
        await using ChatGptFixture f = await ChatGptFixture.StartAsync();
        JsonObject doc = f.ReadAuthJson();
        doc["tokens"]!["refresh_token"] = "rt-that-the-token-endpoint-never-issued";   // refused for good: 401 refresh_token_invalidated
        f.WriteAuthJson(doc.ToJsonString());
        var store = new CountingStore(f.Home.Path);
        ChatGptTokenProvider provider = f.CreateProvider(o => o.CredentialStore = store);
        f.Time.Advance(TimeSpan.FromHours(2));

        var first = await Assert.ThrowsAsync<CodexAuthException>(() => provider.GetHeadersAsync().AsTask());
        Assert.True(first.RequiresSignIn, first.Reason.ToString());
        int loads = store.Loads;
        int httpCalls = f.Server.Requests.Count;

        for (int i = 0; i < 200; i++)
        {
            ValueTask<AuthHeaders> attempt = provider.GetHeadersAsync();
            var again = await Assert.ThrowsAsync<CodexAuthException>(() => attempt.AsTask());
            Assert.Same(first, again);
        }

        Assert.Equal(loads, store.Loads);
        Assert.Equal(httpCalls, f.Server.Requests.Count);
        Assert.Equal(1, f.Server.TokenRefreshCount);

        // Signing in again changes the store: its watch says so, and the next request reads and uses the new sign-in.
        Task changed = store.NextChange();
        FakeSignIn signedInAgain = f.Server.SignIn(accountId: "acct_main");
        f.WriteAuthJson(signedInAgain.ToAuthJson(f.Time.GetUtcNow()));
        await changed.WaitAsync(TimeSpan.FromSeconds(30));

        AuthHeaders headers = await provider.GetHeadersAsync();
        Assert.Equal(AuthHeaders.FingerprintOf(signedInAgain.AccessToken), headers.Fingerprint);
        Assert.True(store.Loads > loads);
        Assert.Equal(1, f.Server.TokenRefreshCount);
    }
}
