using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Codex.Auth.SignIn;
using Codex.Auth.Storage;

namespace Codex.Auth.Cli.Commands;

/// <summary><c>codex-auth status [--json]</c>: who is signed in, never a secret. Exit 1 when not signed in.</summary>
internal static class StatusCommand
{
    private static readonly string[] s_remedies = ["codex login", "codex login --device-auth", "codex login --with-api-key"];

    public static Command Create(CliContext context)
    {
        Option<bool> json = CommonOptions.Json();
        var storeOptions = new StoreOptions();
        var command = new Command("status", "Show the signed-in account: mode, account id, plan, e-mail, FedRAMP, token expiry, last refresh and where it is stored. Never prints a secret.")
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
        using var signIn = new CodexSignIn(store, context.CreateSignInOptions(null));
        SignInStatus? status = await signIn.GetStatusAsync(cancellationToken).ConfigureAwait(false);

        // PROTOCOL §7: these environment variables win over the store.
        (string Source, string Mode)? environment = null;
        if (context.Environment.GetNonBlank(CodexEnvironmentVariables.CodexApiKey) is not null)
        {
            environment = ("env:" + CodexEnvironmentVariables.CodexApiKey, "apikey");
        }
        else if (context.Environment.GetNonBlank(CodexEnvironmentVariables.CodexAccessToken) is { } accessToken)
        {
            environment = ("env:" + CodexEnvironmentVariables.CodexAccessToken, accessToken.StartsWith("at-", StringComparison.Ordinal) ? "personalAccessToken" : "agentIdentity");
        }

        DateTimeOffset now = context.Time.GetUtcNow();
        bool signedIn = status is not null || environment is not null;
        if (json)
        {
            await context.Out.WriteLineAsync(ToJson(status, environment, store.Location, now)).ConfigureAwait(false);
        }
        else
        {
            await WriteTextAsync(context.Out, status, environment, store.Location, now).ConfigureAwait(false);
        }

        if (!signedIn)
        {
            await context.Error.WriteLineAsync($"codex-auth: not signed in (no {store.Location}, no {CodexEnvironmentVariables.CodexApiKey}, no {CodexEnvironmentVariables.CodexAccessToken}). Run `codex login`, `codex login --device-auth` or `codex login --with-api-key` (or codex-auth login).").ConfigureAwait(false);
            return CliExitCodes.Failure;
        }

        return CliExitCodes.Success;
    }

    internal static string ModeName(SignInStatus status) => status.AuthModeValue ?? status.Mode switch
    {
        CodexAuthMode.ApiKey => "apikey",
        CodexAuthMode.ChatGpt => "chatgpt",
        CodexAuthMode.ChatGptAuthTokens => "chatgptAuthTokens",
        CodexAuthMode.Headers => "headers",
        CodexAuthMode.AgentIdentity => "agentIdentity",
        CodexAuthMode.PersonalAccessToken => "personalAccessToken",
        CodexAuthMode.BedrockApiKey => "bedrockApiKey",
        _ => "unknown",
    };

    private static string ToJson(SignInStatus? status, (string Source, string Mode)? environment, string storePath, DateTimeOffset now)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteBoolean("signed_in", status is not null || environment is not null);
            WriteNullable(w, "mode", environment?.Mode ?? (status is null ? null : ModeName(status)));
            WriteNullable(w, "source", environment?.Source ?? (status is null ? null : "store"));
            w.WriteString("store", storePath);
            WriteNullable(w, "store_mode", status is null ? null : ModeName(status));
            WriteNullable(w, "account_id", status?.AccountId);
            WriteNullable(w, "email", status?.Email);
            WriteNullable(w, "plan", status?.PlanType);
            w.WriteBoolean("fedramp", status?.IsFedRamp ?? false);
            WriteNullable(w, "access_token_expires_at", status?.AccessTokenExpiresAt is { } exp ? CodexAuthDocument.FormatTimestamp(exp) : null);
            if (status?.AccessTokenExpiresAt is { } expiry)
            {
                w.WriteBoolean("access_token_expired", expiry <= now);
            }
            else
            {
                w.WriteNull("access_token_expired");
            }

            WriteNullable(w, "last_refresh", status?.LastRefresh is { } lr ? CodexAuthDocument.FormatTimestamp(lr) : null);
            w.WriteStartArray("remedies");
            if (status is null && environment is null)
            {
                foreach (string remedy in s_remedies)
                {
                    w.WriteStringValue(remedy);
                }
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static async Task WriteTextAsync(TextWriter o, SignInStatus? status, (string Source, string Mode)? environment, string storePath, DateTimeOffset now)
    {
        if (environment is { } env)
        {
            await o.WriteLineAsync($"Using {env.Mode} from {env.Source[4..]} (it takes precedence over the stored credentials).").ConfigureAwait(false);
        }

        if (status is null)
        {
            await o.WriteLineAsync($"Not signed in: no credentials in {storePath}.").ConfigureAwait(false);
            if (environment is null)
            {
                await o.WriteLineAsync("To sign in, run one of:").ConfigureAwait(false);
                foreach (string remedy in s_remedies)
                {
                    await o.WriteLineAsync("  " + remedy).ConfigureAwait(false);
                }
            }

            return;
        }

        string title = status.Mode switch
        {
            CodexAuthMode.ChatGpt => "Signed in with ChatGPT",
            CodexAuthMode.ApiKey => "Signed in with an API key",
            CodexAuthMode.PersonalAccessToken => "Signed in with a personal access token",
            CodexAuthMode.AgentIdentity => "Signed in with an agent identity",
            _ => $"Signed in (mode {ModeName(status)})",
        };
        await o.WriteLineAsync(title).ConfigureAwait(false);
        await Line(o, "Mode", ModeName(status)).ConfigureAwait(false);
        await Line(o, "Account", status.AccountId).ConfigureAwait(false);
        await Line(o, "Email", status.Email).ConfigureAwait(false);
        await Line(o, "Plan", status.PlanType).ConfigureAwait(false);
        if (status.Mode == CodexAuthMode.ChatGpt)
        {
            await Line(o, "FedRAMP", status.IsFedRamp ? "yes" : "no").ConfigureAwait(false);
            string? expiry = status.AccessTokenExpiresAt is { } exp
                ? $"{CodexAuthDocument.FormatTimestamp(exp)} ({(exp <= now ? "expired; it is refreshed on next use" : "in " + Describe(exp - now))})"
                : null;
            await Line(o, "Access token", expiry is null ? "no expiry claim" : "expires " + expiry).ConfigureAwait(false);
            await Line(o, "Last refresh", status.LastRefresh is { } lr ? CodexAuthDocument.FormatTimestamp(lr) : "never").ConfigureAwait(false);
        }

        await Line(o, "Stored in", status.Location).ConfigureAwait(false);
    }

    private static Task Line(TextWriter o, string label, string? value) =>
        value is null ? Task.CompletedTask : o.WriteLineAsync($"  {label + ":",-14}{value}");

    private static string Describe(TimeSpan span) =>
        span.TotalDays >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalDays}d {span.Hours}h")
        : span.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}h {span.Minutes}m")
        : string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, (int)span.TotalMinutes)}m {span.Seconds}s");
}
