using System.CommandLine;
using System.Globalization;
using Codex.Auth.SignIn;

namespace Codex.Auth.Cli.Commands;

/// <summary>
/// <c>codex-auth login</c>: browser sign-in (default), <c>--device-auth</c>, <c>--with-api-key</c> or
/// <c>--with-access-token</c> (the last two read the secret from stdin and refuse it as an argument).
/// </summary>
internal static class LoginCommand
{
    private const string PipeHint = "Pipe it on stdin instead, for example: printenv OPENAI_API_KEY | codex-auth login --with-api-key";

    public static Command Create(CliContext context)
    {
        Option<string?> issuer = CommonOptions.Issuer();
        Option<bool> deviceAuth = new("--device-auth") { Description = "Sign in with a device code (for machines without a browser): shows a code to enter at the issuer's /codex/device page." };
        Option<string?> withApiKey = new("--with-api-key")
        {
            Description = "Store an OpenAI API key read from stdin.",
            Arity = ArgumentArity.ZeroOrOne,
            HelpName = "(stdin)",
        };
        Option<string?> withAccessToken = new("--with-access-token")
        {
            Description = "Store a personal access token (at-…) read from stdin.",
            Arity = ArgumentArity.ZeroOrOne,
            HelpName = "(stdin)",
        };
        Option<int?> port = new("--port") { Description = "Browser sign-in: local callback port (default 1455, fallback 1457; 0 picks a free port).", HelpName = "port" };
        Option<bool> noBrowser = new("--no-browser") { Description = "Browser sign-in: print the URL but do not try to open a browser." };

        // Catches stray values (e.g. `login sk-…`) so they are refused without being echoed in a parse error.
        Argument<string[]> stray = new("value") { Arity = ArgumentArity.ZeroOrMore, Hidden = true };

        var command = new Command("login", "Sign in to Codex and save the credentials to $CODEX_HOME/auth.json (default ~/.codex).")
        {
            issuer, deviceAuth, withApiKey, withAccessToken, port, noBrowser, stray,
        };

        command.SetAction(async (parse, cancellationToken) =>
        {
            bool apiKeyMode = parse.GetResult(withApiKey) is not null;
            bool accessTokenMode = parse.GetResult(withAccessToken) is not null;
            bool device = parse.GetValue(deviceAuth);
            if ((apiKeyMode ? 1 : 0) + (accessTokenMode ? 1 : 0) + (device ? 1 : 0) > 1)
            {
                throw new CliUsageException("Choose one of --device-auth, --with-api-key and --with-access-token.");
            }

            if (parse.GetValue(stray) is { Length: > 0 } strays && strays.FirstOrDefault(IsOptionLike) is { } unknown)
            {
                throw new CliUsageException($"Unknown option '{unknown}'. Run `codex-auth login --help` for usage.");
            }

            if (parse.GetValue(stray) is { Length: > 0 } || (apiKeyMode && parse.GetValue(withApiKey) is not null) || (accessTokenMode && parse.GetValue(withAccessToken) is not null))
            {
                throw new CliUsageException("Refusing to take a secret as a command-line argument (it would be visible in shell history and to other processes). " + PipeHint);
            }

            Uri? issuerUri = CommonOptions.ParseIssuer(parse.GetValue(issuer));
            SignInOptions options = context.CreateSignInOptions(issuerUri);
            if (parse.GetValue(port) is { } p)
            {
                if (p is < 0 or > 65535)
                {
                    throw new CliUsageException("--port must be between 0 and 65535.");
                }

                options.CallbackPort = p;
                options.FallbackCallbackPort = null;
            }

            using var signIn = new CodexSignIn(context.CreateStore(), options);
            SignInResult result;
            if (apiKeyMode)
            {
                string key = await ReadSecretAsync(context, "API key", cancellationToken).ConfigureAwait(false);
                result = await Guard(() => signIn.SaveApiKeyAsync(key, cancellationToken)).ConfigureAwait(false);
            }
            else if (accessTokenMode)
            {
                string token = await ReadSecretAsync(context, "access token", cancellationToken).ConfigureAwait(false);
                if (!token.StartsWith("at-", StringComparison.Ordinal))
                {
                    throw new CliUsageException("Only personal access tokens (at-…) can be stored. For an agent identity, set CODEX_ACCESS_TOKEN in the environment instead.");
                }

                result = await Guard(() => signIn.SavePersonalAccessTokenAsync(token, cancellationToken)).ConfigureAwait(false);
            }
            else if (device)
            {
                result = await DeviceAsync(context, signIn, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                result = await BrowserAsync(context, signIn, !parse.GetValue(noBrowser), cancellationToken).ConfigureAwait(false);
            }

            await context.Out.WriteLineAsync(Describe(result)).ConfigureAwait(false);
            return CliExitCodes.Success;
        });
        return command;
    }

    private static bool IsOptionLike(string token) =>
        token.Length is > 1 and <= 40 && token[0] == '-' && token.Skip(1).All(c => char.IsAsciiLetterLower(c) || c == '-');

    private static async Task<SignInResult> Guard(Func<Task<SignInResult>> save)
    {
        try
        {
            return await save().ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            // The library's argument messages never include the value.
            throw new CliUsageException(ex.Message.Split(" (Parameter", 2)[0]);
        }
    }

    private static async Task<string> ReadSecretAsync(CliContext context, string what, CancellationToken cancellationToken)
    {
        if (!context.IsInputRedirected)
        {
            throw new CliUsageException($"The {what} is read from stdin, which is a terminal. " + PipeHint);
        }

        string value = (await context.In.ReadToEndAsync(cancellationToken).ConfigureAwait(false)).Trim();
        if (value.Length == 0)
        {
            throw new CliUsageException($"No {what} on stdin. " + PipeHint);
        }

        return value;
    }

    private static async Task<SignInResult> DeviceAsync(CliContext context, CodexSignIn signIn, CancellationToken cancellationToken)
    {
        using var spinner = new Spinner(context.Error, context.IsErrorTerminal);
        var progress = new CallbackProgress(p =>
        {
            switch (p.Kind)
            {
                case SignInProgressKind.DeviceCodeIssued:
                    int minutes = p.ExpiresAt is { } exp ? (int)Math.Round((exp - context.Time.GetUtcNow()).TotalMinutes) : 15;
                    context.Error.WriteLine("To sign in, open this page in a browser on any device:");
                    context.Error.WriteLine($"  {p.VerificationUri}");
                    context.Error.WriteLine($"and enter this one-time code (valid {minutes.ToString(CultureInfo.InvariantCulture)} minutes):");
                    context.Error.WriteLine($"  {p.UserCode}");
                    context.Error.Flush();
                    spinner.Start("Waiting for approval…");
                    break;
                case SignInProgressKind.DeviceCodePending:
                    spinner.Update($"Waiting for approval… (checked {p.PollCount.ToString(CultureInfo.InvariantCulture)}×)");
                    break;
                case SignInProgressKind.ExchangingCode:
                    spinner.Update("Approved; finishing sign-in…");
                    break;
                default:
                    break;
            }
        });
        return await signIn.SignInWithDeviceCodeAsync(progress, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<SignInResult> BrowserAsync(CliContext context, CodexSignIn signIn, bool openBrowser, CancellationToken cancellationToken)
    {
        var progress = new CallbackProgress(p =>
        {
            if (p.Kind == SignInProgressKind.AuthorizationUrlReady && p.AuthorizationUri is { } url)
            {
                context.Error.WriteLine("To sign in, open this URL in a browser on this machine:");
                context.Error.WriteLine($"  {url.AbsoluteUri}");
                context.Error.WriteLine($"Waiting for the browser to return to {p.RedirectUri} … (Ctrl+C to cancel; on a machine without a browser use `codex-auth login --device-auth`)");
                context.Error.Flush();
                if (openBrowser)
                {
                    BrowserLauncher.TryOpen(url);
                }
            }
        });
        return await signIn.SignInWithBrowserAsync(progress, cancellationToken).ConfigureAwait(false);
    }

    private static string Describe(SignInResult result)
    {
        string who = result.Mode switch
        {
            Storage.CodexAuthMode.ChatGpt => "with ChatGPT"
                + (result.Email is null ? string.Empty : $" as {result.Email}")
                + (result.AccountId is null ? string.Empty : $" (account {result.AccountId}{(result.PlanType is null ? string.Empty : ", plan " + result.PlanType)})"),
            Storage.CodexAuthMode.ApiKey => "with an API key",
            Storage.CodexAuthMode.PersonalAccessToken => "with a personal access token",
            _ => $"({result.Mode})",
        };
        return $"Signed in {who}. Credentials saved to {result.Location}.";
    }
}
