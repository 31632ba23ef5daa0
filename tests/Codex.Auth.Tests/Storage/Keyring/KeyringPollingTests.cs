using Codex.Auth.Storage.Keyring;
using Codex.Auth.Tests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Codex.Auth.Tests.Storage.Keyring;

/// <summary>
/// Where a keyring sends no change signals (macOS, Windows), the store reads the entry on a timer. Here: the real
/// Secret Service with its signals withheld, and a fake clock for the timer.
/// </summary>
[Collection(SecretServiceGroup.Name)]
public sealed class KeyringPollingTests(SecretServiceDaemon daemon)
{
    private const string Json = """{"OPENAI_API_KEY":null,"tokens":{"id_token":"a.b.c","access_token":"at-1","refresh_token":"rt-1","account_id":"acct_p"},"last_refresh":"2026-11-30T10:00:00Z"}""";

    [SecretServiceFact]
    public async Task Without_signals_a_change_by_another_client_is_noticed_on_the_next_poll_and_not_before()
    {
        using var home = new TempDirectory();
        var time = new FakeTimeProvider();
        using var store = new KeyringCredentialStore(home.Path, new WithoutSignals(new SecretServiceKeyring(daemon.Address)), time, logger: null);
        await store.SaveAsync(Codex.Auth.Storage.CodexAuthDocument.Parse(Json, "test"));
        int calls = 0;
        var changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable watch = store.Watch(() =>
        {
            Interlocked.Increment(ref calls);
            changed.TrySetResult();
        });
        var keyringWatch = (KeyringCredentialStore.KeyringWatch)watch;
        await keyringWatch.Started;

        // An unchanged entry is not a change.
        time.Advance(KeyringCredentialStore.PollInterval);
        await keyringWatch.LastPoll;
        await daemon.SecretToolAsync(
            Json.Replace("rt-1", "rt-2", StringComparison.Ordinal),
            "store", "--label=" + store.Account + "@Codex Auth:default (keyring v3.6.3)",
            "service", "Codex Auth", "username", store.Account, "target", "default", "application", "rust-keyring");
        Assert.Equal(0, Volatile.Read(ref calls));

        time.Advance(KeyringCredentialStore.PollInterval);
        await changed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(1, Volatile.Read(ref calls));
    }

    private sealed class WithoutSignals(IKeyringBackend inner) : IKeyringBackend
    {
        public string Name => inner.Name;

        public int MaxSecretBytes => inner.MaxSecretBytes;

        public ValueTask<string?> ReadAsync(string user, CancellationToken cancellationToken) => inner.ReadAsync(user, cancellationToken);

        public ValueTask WriteAsync(string user, string secret, CancellationToken cancellationToken) => inner.WriteAsync(user, secret, cancellationToken);

        public ValueTask<bool> DeleteAsync(string user, CancellationToken cancellationToken) => inner.DeleteAsync(user, cancellationToken);

        public ValueTask<IDisposable?> TrySubscribeAsync(string user, Action onChanged, Action onLost, CancellationToken cancellationToken) => new((IDisposable?)null);

        public void Dispose() => inner.Dispose();
    }
}
