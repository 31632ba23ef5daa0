using System.CommandLine;
using Codex.Auth.Redis;
using Codex.Auth.Storage;

namespace Codex.Auth.Cli;

/// <summary><c>--store URI</c> and <c>--store-key-file PATH</c>, on every command that reads or writes the sign-in.</summary>
internal sealed class StoreOptions
{
    public Option<string?> Store { get; } = new("--store")
    {
        Description = "Where the sign-in lives: redis://HOST:PORT[/DB][?name=NAME] (rediss:// for TLS) to share one sign-in across machines; default $CODEX_HOME/auth.json. The Redis store is sealed with CODEX_AUTH_STORE_KEY (base64 of 32 bytes) or --store-key-file.",
        HelpName = "uri",
    };

    public Option<string?> KeyFile { get; } = new("--store-key-file")
    {
        Description = "With a redis:// store: read the store key (base64 of 32 bytes, as `openssl rand -base64 32` prints it) from this file instead of CODEX_AUTH_STORE_KEY.",
        HelpName = "path",
    };

    public void AddTo(Command command)
    {
        command.Add(Store);
        command.Add(KeyFile);
    }

    /// <summary>Opens the chosen store; dispose the result after the store's last use.</summary>
    public Task<OpenedStore> OpenAsync(CliContext context, ParseResult parse) =>
        OpenAsync(context, parse.GetValue(Store), parse.GetValue(KeyFile));

    public static async Task<OpenedStore> OpenAsync(CliContext context, string? uri, string? keyFile)
    {
        if (uri is null)
        {
            if (keyFile is not null)
            {
                throw new CliUsageException("--store-key-file only applies to a redis:// --store.");
            }

            return new OpenedStore(context.CreateStore(), null);
        }

        if (!RedisStoreAddress.IsRedisUri(uri))
        {
            throw new CliUsageException($"--store '{uri}' is not a store this tool knows: write redis://HOST:PORT[/DB][?name=NAME] (omit --store for $CODEX_HOME/auth.json).");
        }

        RedisStoreAddress address;
        try
        {
            address = RedisStoreAddress.Parse(uri);
        }
        catch (FormatException ex)
        {
            throw new CliUsageException("--store: " + ex.Message);
        }

        RedisCredentialStore store = await RedisCredentialStore.ConnectAsync(
            address,
            new RedisCredentialStoreOptions { EncryptionKeyFile = keyFile },
            context.Time,
            context.Environment).ConfigureAwait(false);
        return new OpenedStore(store, store);
    }

    /// <summary>A store and what to dispose after it (the Redis connection), if anything.</summary>
    internal sealed class OpenedStore(ICodexCredentialStore store, IAsyncDisposable? owner) : IAsyncDisposable
    {
        public ICodexCredentialStore Store { get; } = store;

        public ValueTask DisposeAsync() => owner?.DisposeAsync() ?? default;
    }
}
