using System.CommandLine;
using System.Text.Json;
using Codex.Auth.ChatGpt;
using Codex.Auth.Storage;

namespace Codex.Auth.Cli.Commands;

/// <summary>
/// <c>codex-auth export-token [--json]</c>: for a host that hands a short-lived credential to a proxy or sandbox
/// (USE-CASES §2). Refreshes first, in the foreground, when the token is inside the refresh window or expired, then
/// prints only the access token, its expiry, the account id and the FedRAMP flag — never the refresh token or the file.
/// </summary>
internal static class ExportTokenCommand
{
    public static Command Create(CliContext context)
    {
        Option<bool> json = CommonOptions.Json();
        var storeOptions = new StoreOptions();
        var command = new Command("export-token", "Print the ChatGPT access token (refreshed first when it is near expiry), its expiry, account id and FedRAMP flag — for handing to a proxy or sandbox. Never prints the refresh token. Refuses API keys.")
        {
            json,
        };
        storeOptions.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            StoreOptions.OpenedStore opened = await storeOptions.OpenAsync(context, parse).ConfigureAwait(false);
            await using (opened.ConfigureAwait(false))
            {
                return await RunAsync(context, opened.Store, parse.GetValue(json), cancellationToken).ConfigureAwait(false);
            }
        });
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, ICodexCredentialStore store, bool json, CancellationToken cancellationToken)
    {
        CodexAuthDocument? document = await store.LoadAsync(cancellationToken).ConfigureAwait(false);
        if (document is null)
        {
            throw new CodexAuthException(
                CodexAuthFailureReason.NotSignedIn,
                $"Not signed in: no credentials in {CodexCredentialStores.Describe(store)}.",
                "Run `codex login --device-auth` (or `codex-auth login --device-auth`) on this host first.");
        }

        if (document.Mode is not (CodexAuthMode.ChatGpt or CodexAuthMode.ChatGptAuthTokens))
        {
            string why = document.Mode switch
            {
                CodexAuthMode.ApiKey => "the stored credential is an API key, which never expires and must not be handed to a sandbox",
                CodexAuthMode.AgentIdentity => "an agent identity signs each request itself; run the proxy (`codex-auth proxy --forward-host-credentials`) instead",
                CodexAuthMode.PersonalAccessToken => "the stored credential is a long-lived personal access token, which must not be handed to a sandbox",
                _ => $"the stored credential is in '{document.AuthModeValue ?? document.Mode.ToString()}' mode",
            };
            throw new CodexAuthException(
                CodexAuthFailureReason.UnsupportedMode,
                $"export-token only exports short-lived ChatGPT access tokens: {why}.",
                "Sign in with ChatGPT on this host (`codex login --device-auth`), or use `codex-auth proxy --forward-host-credentials`.");
        }

        using var provider = context.CreateProviderFactory().CreateChatGpt(
            new ChatGptTokenProviderOptions { CredentialStore = store, WatchStore = false, BaseUrl = context.Configuration.ChatGptCodexBaseUrl });
        ExportedAccessToken token = await provider.ExportAccessTokenAsync(cancellationToken).ConfigureAwait(false);
        if (token.RefreshError is { } refreshError)
        {
            await context.Error.WriteLineAsync($"codex-auth: warning: the token is near expiry and could not be refreshed ({refreshError.Reason}); exporting the current one.").ConfigureAwait(false);
        }

        if (provider.PendingSaveFailure is { } unsaved)
        {
            // The refresh succeeded (the token printed works) but its new refresh token exists only in this process, which
            // is about to exit: say so, so that the user fixes the store and signs in again instead of finding out later.
            await context.Error.WriteLineAsync($"codex-auth: warning: the refreshed tokens could not be saved ({unsaved.Reason}): {unsaved.Message}").ConfigureAwait(false);
        }

        string? expires = token.ExpiresAt is { } e ? CodexAuthDocument.FormatTimestamp(e) : null;
        if (json)
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartObject();
                w.WriteString("access_token", token.Reveal());
                if (expires is null)
                {
                    w.WriteNull("expires_at");
                }
                else
                {
                    w.WriteString("expires_at", expires);
                }

                if (token.AccountId is null)
                {
                    w.WriteNull("account_id");
                }
                else
                {
                    w.WriteString("account_id", token.AccountId);
                }

                w.WriteBoolean("fedramp", token.IsFedRamp);
                w.WriteEndObject();
            }

            await context.Out.WriteLineAsync(System.Text.Encoding.UTF8.GetString(buffer.ToArray())).ConfigureAwait(false);
        }
        else
        {
            // key=value lines (deliberately not named CODEX_ACCESS_TOKEN, which Codex reads as a PAT or agent identity).
            await context.Out.WriteLineAsync("access_token=" + token.Reveal()).ConfigureAwait(false);
            await context.Out.WriteLineAsync("expires_at=" + (expires ?? string.Empty)).ConfigureAwait(false);
            await context.Out.WriteLineAsync("account_id=" + (token.AccountId ?? string.Empty)).ConfigureAwait(false);
            await context.Out.WriteLineAsync("fedramp=" + (token.IsFedRamp ? "true" : "false")).ConfigureAwait(false);
        }

        return CliExitCodes.Success;
    }
}
