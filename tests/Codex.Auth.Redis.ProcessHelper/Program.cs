// Modes:
//   refresh <storeUri> <leaseMs> <tokenUrl> <backendUrl> <requests> <startFile> [pause-after-lease]
//       CODEX_AUTH_STORE_KEY must be set. Waits until <startFile> exists, then sends <requests> requests through
//       CodexAuthHandler + ChatGptTokenProvider on the Redis store and prints "status=<codes> fingerprint=<fp>".
//       With pause-after-lease, the first refresh lease it takes is held forever (it prints "LEASED" and hangs before
//       any POST): the test SIGKILLs it there.
using Codex.Auth;
using Codex.Auth.ChatGpt;
using Codex.Auth.Http;
using Codex.Auth.Redis;
using Codex.Auth.Storage;
using System.Globalization;

switch (args[0])
{
    case "refresh":
    {
        RedisStoreAddress address = RedisStoreAddress.Parse(args[1]);
        var lease = TimeSpan.FromMilliseconds(int.Parse(args[2], CultureInfo.InvariantCulture));
        var tokenUrl = new Uri(args[3]);
        var backend = new Uri(args[4]);
        int requests = int.Parse(args[5], CultureInfo.InvariantCulture);
        string startFile = args[6];
        bool pause = args.Length > 7 && args[7] == "pause-after-lease";
        await using RedisCredentialStore redis = await RedisCredentialStore.ConnectAsync(address, new RedisCredentialStoreOptions { LeaseDuration = lease });
        ICodexCredentialStore store = pause ? new PausingStore(redis) : redis;
        return await RefreshRun.RunAsync(
            new ChatGptTokenProviderOptions { CredentialStore = store, RefreshTokenUrl = tokenUrl, BaseUrl = backend, RefreshRetryDelay = TimeSpan.Zero },
            backend,
            requests,
            startFile);
    }

    default:
        Console.Error.WriteLine("unknown mode");
        return 2;
}

/// <summary>Holds the first lease it takes forever, as a process that stalls or dies mid-refresh would.</summary>
internal sealed class PausingStore(ICodexCredentialStore inner) : ICodexCredentialStore
{
    public string Location => inner.Location;

    public ValueTask<CodexAuthDocument?> LoadAsync(CancellationToken cancellationToken = default) => inner.LoadAsync(cancellationToken);

    public ValueTask SaveAsync(CodexAuthDocument document, CancellationToken cancellationToken = default) => inner.SaveAsync(document, cancellationToken);

    public ValueTask<bool> DeleteAsync(CancellationToken cancellationToken = default) => inner.DeleteAsync(cancellationToken);

    public async ValueTask<IAsyncDisposable> AcquireRefreshLockAsync(CancellationToken cancellationToken = default)
    {
        _ = await inner.AcquireRefreshLockAsync(cancellationToken);
        Console.WriteLine("LEASED");
        await Task.Delay(Timeout.Infinite, CancellationToken.None);
        throw new InvalidOperationException("unreachable");
    }

    public IDisposable Watch(Action onChanged) => inner.Watch(onChanged);
}
