using System.CommandLine;
using Codex.Auth.Storage;

namespace Codex.Auth.Cli.Commands;

/// <summary>
/// <c>codex-auth store import --to redis://…</c>: moves the current sign-in from the local store ($CODEX_HOME/auth.json)
/// into a shared store, checks that it reads back, then removes the local copy — two live copies of one lineage of
/// single-use refresh tokens would fork it at the first refresh.
/// </summary>
internal static class StoreCommand
{
    public static Command Create(CliContext context)
    {
        Option<string> to = new("--to") { Description = "The shared store to move the sign-in into: redis://HOST:PORT[/DB][?name=NAME].", HelpName = "uri", Required = true };
        Option<string?> keyFile = new("--store-key-file") { Description = "Read the store key (base64 of 32 bytes) from this file instead of CODEX_AUTH_STORE_KEY.", HelpName = "path" };
        Option<bool> keepLocal = new("--keep-local") { Description = "Keep the local copy. Two live copies fork the lineage at the first refresh: the copy that does not refresh dies with refresh_token_reused." };
        var import = new Command("import", "Move the current sign-in from $CODEX_HOME/auth.json into a shared store, verify it reads back, then remove the local copy.")
        {
            to, keyFile, keepLocal,
        };
        import.SetAction(async (parse, cancellationToken) =>
            await ImportAsync(context, parse.GetValue(to)!, parse.GetValue(keyFile), parse.GetValue(keepLocal), cancellationToken).ConfigureAwait(false));
        return new Command("store", "Move a sign-in between stores.") { import };
    }

    private static async Task<int> ImportAsync(CliContext context, string to, string? keyFile, bool keepLocal, CancellationToken cancellationToken)
    {
        ICodexCredentialStore local = context.CreateStore();
        StoreOptions.OpenedStore target = await StoreOptions.OpenAsync(context, to, keyFile).ConfigureAwait(false);
        await using System.Runtime.CompilerServices.ConfiguredAsyncDisposable targetScope = target.ConfigureAwait(false);

        // No local refresh and no fleet refresh may run while the sign-in moves.
        IAsyncDisposable localLock = await local.AcquireRefreshLockAsync(cancellationToken).ConfigureAwait(false);
        await using System.Runtime.CompilerServices.ConfiguredAsyncDisposable localScope = localLock.ConfigureAwait(false);
        CodexAuthDocument document = await local.LoadAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new CodexAuthException(
                CodexAuthFailureReason.NotSignedIn,
                $"Nothing to import: there are no credentials in {local.Location}.",
                "Sign in on this machine first (`codex login --device-auth` or `codex-auth login --device-auth`), then import.");
        IAsyncDisposable lease = await target.Store.AcquireRefreshLockAsync(cancellationToken).ConfigureAwait(false);
        await using (lease.ConfigureAwait(false))
        {
            CodexAuthDocument? existing = await target.Store.LoadAsync(cancellationToken).ConfigureAwait(false);
            if (existing is not null && !existing.HasSameCredentials(document))
            {
                throw new CodexAuthException(
                    CodexAuthFailureReason.AccountMismatch,
                    $"{target.Store.Location} already holds another sign-in ({existing}); it was not replaced.",
                    $"Sign it out first (`codex-auth logout --store {to}`) if it is no longer used, then import again.");
            }

            await target.Store.SaveAsync(document, cancellationToken).ConfigureAwait(false);
            CodexAuthDocument? readBack = await target.Store.LoadAsync(cancellationToken).ConfigureAwait(false);
            if (!document.HasSameCredentials(readBack))
            {
                throw new CodexAuthException(
                    CodexAuthFailureReason.StoreUnavailable,
                    $"The sign-in written to {target.Store.Location} did not read back unchanged; the local copy in {local.Location} was kept.",
                    "Check the Redis server and run the import again.");
            }
        }

        if (keepLocal)
        {
            await context.Error.WriteLineAsync($"codex-auth: warning: {local.Location} was kept. Two live copies of one sign-in fork its lineage at the first refresh: whichever copy does not refresh dies with refresh_token_reused. Remove it (`codex-auth logout` revokes the sign-in everywhere, so delete the file instead) before anything uses it.").ConfigureAwait(false);
        }
        else
        {
            await local.DeleteAsync(cancellationToken).ConfigureAwait(false);
        }

        await context.Out.WriteLineAsync($"Moved the sign-in ({document}) to {target.Store.Location}{(keepLocal ? $"; {local.Location} was kept" : $"; removed {local.Location}")}.").ConfigureAwait(false);
        return CliExitCodes.Success;
    }
}
