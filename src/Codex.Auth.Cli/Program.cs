using Codex.Auth.Cli;

return await CodexAuthApp.RunAsync(args, CliContext.FromConsole()).ConfigureAwait(false);
