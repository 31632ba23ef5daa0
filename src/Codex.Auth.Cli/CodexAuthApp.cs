using System.CommandLine;
using Codex.Auth.Cli.Commands;

namespace Codex.Auth.Cli;

/// <summary>Builds the command tree and runs it: one-line errors on stderr, stable exit codes, Ctrl+C → 130.</summary>
internal static class CodexAuthApp
{
    /// <summary>Every command. Adding one is a file under <c>Commands/</c> plus one line here.</summary>
    private static IEnumerable<Command> Commands(CliContext context) =>
    [
        StatusCommand.Create(context),
        LoginCommand.Create(context),
        LogoutCommand.Create(context),
        ExportTokenCommand.Create(context),
        DemoCommand.Create(context),
        PlaceholderAuthCommand.Create(context),
        ProxyCommand.Create(context),
        StoreCommand.Create(context),
    ];

    public static RootCommand BuildRoot(CliContext context)
    {
        var root = new RootCommand("Sign in to OpenAI Codex and inspect the stored credentials (the same $CODEX_HOME/auth.json the Codex CLI uses).");
        foreach (Command command in Commands(context))
        {
            root.Add(command);
        }

        return root;
    }

    public static async Task<int> RunAsync(string[] args, CliContext context)
    {
        RootCommand root = BuildRoot(context);
        ParseResult parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (System.CommandLine.Parsing.ParseError error in parsed.Errors)
            {
                await context.Error.WriteLineAsync($"codex-auth: {error.Message}").ConfigureAwait(false);
            }

            await context.Error.WriteLineAsync("Run `codex-auth --help` for usage.").ConfigureAwait(false);
            return CliExitCodes.Usage;
        }

        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true; // let the command unwind and report exit code 130
            cancel.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            var configuration = new InvocationConfiguration
            {
                Output = context.Out,
                Error = context.Error,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null, // Ctrl+C is handled above
            };
            return await parsed.InvokeAsync(configuration, cancel.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            await context.Error.WriteLineAsync().ConfigureAwait(false);
            await context.Error.WriteLineAsync("codex-auth: cancelled.").ConfigureAwait(false);
            return CliExitCodes.Cancelled;
        }
        catch (CliUsageException ex)
        {
            await context.Error.WriteLineAsync($"codex-auth: {ex.Message}").ConfigureAwait(false);
            return CliExitCodes.Usage;
        }
        catch (CodexAuthException ex)
        {
            // Messages of CodexAuthException never contain a secret; keep them to one line.
            await context.Error.WriteLineAsync($"codex-auth: {OneLine(ex.Message)}").ConfigureAwait(false);
            return CliExitCodes.Failure;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or HttpRequestException)
        {
            await context.Error.WriteLineAsync($"codex-auth: {ex.GetType().Name}: {OneLine(ex.Message)}").ConfigureAwait(false);
            return CliExitCodes.Failure;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }

    public static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();
}
