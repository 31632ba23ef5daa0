using System.CommandLine;
using Codex.Auth.ChatGpt;
using Codex.Auth.Proxy;
using Codex.Auth.Storage;

namespace Codex.Auth.Cli.Commands;

/// <summary>
/// <c>codex-auth placeholder-auth --out PATH [--force]</c>: writes an <c>auth.json</c> for an agent behind
/// <c>codex-auth proxy --forward-host-credentials</c> (USE-CASES §2): ChatGPT mode with the host's account id and unsigned,
/// JWT-shaped placeholder tokens carrying the host access token's <c>exp</c>. Nothing in it is a credential.
/// </summary>
internal static class PlaceholderAuthCommand
{
    private const string Remedy = "Run `codex login --device-auth` (or `codex-auth login --device-auth`) on this host first.";

    public static Command Create(CliContext context)
    {
        Option<string> output = new("--out")
        {
            Description = "Where to write the placeholder auth.json, for example the sandbox's $CODEX_HOME/auth.json (mode 0600). Never the host's own auth.json.",
            HelpName = "path",
            Required = true,
        };
        Option<bool> force = new("--force") { Description = "Replace the file at --out when it exists." };
        var command = new Command("placeholder-auth", "Write a placeholder auth.json for a sandboxed agent behind `codex-auth proxy --forward-host-credentials`: the host's mode, account id and token expiry, placeholder tokens, nothing secret.")
        {
            output,
            force,
        };
        command.SetAction((parse, cancellationToken) => RunAsync(context, parse.GetValue(output)!, parse.GetValue(force), cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, string output, bool force, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(output))
        {
            throw new CliUsageException("--out needs a path.");
        }

        ICodexCredentialStore store = context.CreateStore();
        string target = Path.GetFullPath(output);
        if (Directory.Exists(target))
        {
            throw new CliUsageException($"--out {target} is a directory; give the file path, for example {Path.Combine(target, CodexHome.AuthFileName)}.");
        }

        if (PathIdentity.SameFile(target, Path.Combine(context.Configuration.CodexHome, CodexHome.AuthFileName)))
        {
            throw new CliUsageException($"--out {target} is the host's own credentials file ($CODEX_HOME/auth.json); write the placeholder into the sandbox's CODEX_HOME instead.");
        }

        if (File.Exists(target) && !force)
        {
            await context.Error.WriteLineAsync($"codex-auth: {target} already exists; pass --force to replace it.").ConfigureAwait(false);
            return CliExitCodes.Failure;
        }

        CodexAuthDocument? document = await store.LoadAsync(cancellationToken).ConfigureAwait(false);
        if (document is null)
        {
            throw new CodexAuthException(CodexAuthFailureReason.NotSignedIn, $"Not signed in: no credentials in {CodexCredentialStores.Describe(store)}.", Remedy);
        }

        if (document.Mode is not (CodexAuthMode.ChatGpt or CodexAuthMode.ChatGptAuthTokens))
        {
            string mode = document.Mode == CodexAuthMode.ApiKey ? "an API key" : $"in '{document.AuthModeValue ?? document.Mode.ToString()}' mode";
            throw new CodexAuthException(
                CodexAuthFailureReason.UnsupportedMode,
                $"placeholder-auth needs a ChatGPT sign-in on the host, but the credential in {CodexCredentialStores.Describe(store)} is {mode}.",
                "Sign in with ChatGPT on this host: run `codex login --device-auth` (or `codex-auth login --device-auth`).");
        }

        string? directory = Path.GetDirectoryName(target);
        if (directory is not null && !Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        // Same store and refresh endpoint as the host's Codex (CODEX_REFRESH_TOKEN_URL_OVERRIDE is honoured through the environment).
        using var host = context.CreateProviderFactory().CreateChatGpt(
            new ChatGptTokenProviderOptions { CredentialStore = store, WatchStore = false, BaseUrl = context.Configuration.ChatGptCodexBaseUrl });
        PlaceholderTokens tokens = await PlaceholderCredentials.WriteAuthJsonAsync(target, host, context.Time, cancellationToken).ConfigureAwait(false);

        await context.Out.WriteLineAsync($"Wrote a placeholder auth.json to {target} (mode chatgpt, no credentials in it).").ConfigureAwait(false);
        await context.Out.WriteLineAsync($"  Account:      {tokens.AccountId}").ConfigureAwait(false);
        await context.Out.WriteLineAsync($"  Expires:      {CodexAuthDocument.FormatTimestamp(tokens.ExpiresAt)} (the host access token's exp)").ConfigureAwait(false);
        await context.Out.WriteLineAsync("  Refresh:      answered by `codex-auth proxy --forward-host-credentials` (point CODEX_REFRESH_TOKEN_URL_OVERRIDE at it).").ConfigureAwait(false);
        return CliExitCodes.Success;
    }
}
