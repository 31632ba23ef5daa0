using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Codex.Auth.AgentIdentity;
using Codex.Auth.ApiKeys;
using Codex.Auth.SignIn;
using Codex.Auth.Storage;

namespace Codex.Auth.Cli.Commands;

/// <summary>
/// <c>codex-auth status [--json] [--verify]</c>: which credential is used, from where, and who it belongs to — decoded offline,
/// or (<c>--verify</c>) asked of the server. Never a secret. Exit 1 when not signed in, when the credential in use is invalid, or
/// when the server rejects it.
/// </summary>
internal static class StatusCommand
{
    private static readonly string[] s_remedies = ["codex login", "codex login --device-auth", "codex login --with-api-key"];

    public static Command Create(CliContext context)
    {
        Option<bool> json = CommonOptions.Json();
        var storeOptions = new StoreOptions();
        var verify = new Option<bool>("--verify")
        {
            Description = "Ask the server too: workspace routing discovery (plan, workspace, backend origin and routing override), whoami for a personal access token, the JWKS check for an agent identity. Exit 1 when the credential is rejected.",
        };
        var chatGptBaseUrl = new Option<string?>("--chatgpt-base-url")
        {
            Description = "The ChatGPT backend --verify asks; default: chatgpt_base_url from config.toml (CODEX_AUTH_CHATGPT_BASE_URL), else https://chatgpt.com/backend-api/.",
            HelpName = "url",
        };
        var command = new Command("status", "Show the credential in use: where it comes from, mode, account, plan, e-mail, FedRAMP, expiry and where it is stored; --verify asks the server whether it is accepted and where model calls go. Never prints a secret.")
        {
            json,
            verify,
            chatGptBaseUrl,
        };
        storeOptions.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            StoreOptions.OpenedStore opened = await storeOptions.OpenAsync(context, parse).ConfigureAwait(false);
            await using (opened.ConfigureAwait(false))
            {
                return await RunAsync(context, opened.Store, parse.GetValue(json), parse.GetValue(verify), parse.GetValue(chatGptBaseUrl), cancellationToken).ConfigureAwait(false);
            }
        });
        return command;
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

    private static Uri ParseBase(string? value, CliContext context)
    {
        if (value is null)
        {
            // chatgpt_base_url as the Codex CLI would use it: CODEX_AUTH_CHATGPT_BASE_URL, config.toml, the default.
            return Configuration.CodexConfiguration.Resolve(null, context.Environment).ChatGptBaseUrl;
        }

        if (!Uri.TryCreate(value, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            throw new CliUsageException("--chatgpt-base-url must be an absolute http(s) URL without credentials.");
        }

        return uri.AbsoluteUri.EndsWith('/') ? uri : new Uri(uri.AbsoluteUri + "/");
    }

    private static async Task<int> RunAsync(CliContext context, ICodexCredentialStore store, bool json, bool verify, string? chatGptBaseUrlOption, CancellationToken cancellationToken)
    {
        Uri chatGptBaseUrl = verify ? ParseBase(chatGptBaseUrlOption, context) : CodexEndpoints.ChatGptBackendBaseUrl;
        using var signIn = new CodexSignIn(store, context.CreateSignInOptions(null));
        SignInStatus? stored = await signIn.GetStatusAsync(cancellationToken).ConfigureAwait(false);
        InUse? inUse = InUse.FromVariables(context.Environment) ?? (stored is null ? null : InUse.FromStore(stored));
        StatusVerification.Result? verification = null;
        if (verify && inUse is { Invalid: null })
        {
            verification = await StatusVerification.RunAsync(context, inUse, chatGptBaseUrl, cancellationToken).ConfigureAwait(false);
        }

        DateTimeOffset now = context.Time.GetUtcNow();
        string where = CodexCredentialStores.Describe(store); // after the read: auto says which store it used
        if (json)
        {
            await context.Out.WriteLineAsync(ToJson(inUse, stored, where, now, verification)).ConfigureAwait(false);
        }
        else
        {
            await WriteTextAsync(context.Out, inUse, stored, where, now, verification).ConfigureAwait(false);
        }

        // Unsafe permissions on stderr, so that --json output stays one document.
        // (auth.json only: the file store, or auto when it fell back to the file.)
        FileCredentialStore? file = store switch
        {
            FileCredentialStore f => f,
            AutoCredentialStore { UsesFile: true } auto => auto.File,
            _ => null,
        };
        foreach (string warning in file?.CheckPermissions() ?? [])
        {
            await context.Error.WriteLineAsync("codex-auth: warning: " + warning).ConfigureAwait(false);
        }

        if (inUse is null)
        {
            await context.Error.WriteLineAsync($"codex-auth: not signed in (nothing in {where}, no {CodexEnvironmentVariables.CodexApiKey}, no {CodexEnvironmentVariables.CodexAccessToken}). Run `codex login`, `codex login --device-auth` or `codex login --with-api-key` (or codex-auth login).").ConfigureAwait(false);
            return CliExitCodes.Failure;
        }

        if (inUse.Invalid is { } invalid)
        {
            await context.Error.WriteLineAsync($"codex-auth: {CodexAuthApp.OneLine(invalid.Message)} {invalid.Remediation}").ConfigureAwait(false);
            return CliExitCodes.Failure;
        }

        if (verification is { Rejection: { } rejection })
        {
            await context.Error.WriteLineAsync($"codex-auth: {CodexAuthApp.OneLine(rejection.Message)} {rejection.Remediation}").ConfigureAwait(false);
            return CliExitCodes.Failure;
        }

        return CliExitCodes.Success;
    }

    private static string ToJson(InUse? inUse, SignInStatus? stored, string storePath, DateTimeOffset now, StatusVerification.Result? verification)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteBoolean("signed_in", inUse is { Invalid: null });
            WriteNullable(w, "mode", inUse?.Mode);
            WriteNullable(w, "source", inUse is null ? null : inUse.FromEnvironment ? "env:" + inUse.Source : "store");
            w.WriteString("store", storePath);
            WriteNullable(w, "store_mode", stored is null ? null : ModeName(stored));
            WriteNullable(w, "account_id", inUse?.AccountId);
            WriteNullable(w, "email", inUse?.Email);
            WriteNullable(w, "plan", inUse?.Plan);
            w.WriteBoolean("fedramp", inUse?.IsFedRamp ?? false);
            WriteNullable(w, "access_token_expires_at", inUse?.ExpiresAt is { } exp ? CodexAuthDocument.FormatTimestamp(exp) : null);
            if (inUse?.ExpiresAt is { } expiry)
            {
                w.WriteBoolean("access_token_expired", expiry <= now);
            }
            else
            {
                w.WriteNull("access_token_expired");
            }

            WriteNullable(w, "last_refresh", inUse?.LastRefresh is { } lr ? CodexAuthDocument.FormatTimestamp(lr) : null);
            w.WriteBoolean("valid", inUse is { Invalid: null });
            WriteNullable(w, "invalid_reason", inUse?.Invalid is { } invalid ? CodexAuthApp.OneLine(invalid.Message) : null);
            WriteNullable(w, "agent_runtime_id", inUse?.AgentRuntimeId);
            if (verification is not null)
            {
                verification.WriteJson(w);
            }

            w.WriteStartArray("remedies");
            if (inUse is null)
            {
                foreach (string remedy in s_remedies)
                {
                    w.WriteStringValue(remedy);
                }
            }
            else if (inUse.Invalid?.Remediation is { } fix)
            {
                w.WriteStringValue(fix);
            }
            else if (verification?.Rejection?.Remediation is { } verifyFix)
            {
                w.WriteStringValue(verifyFix);
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

    private static async Task WriteTextAsync(TextWriter o, InUse? inUse, SignInStatus? stored, string storePath, DateTimeOffset now, StatusVerification.Result? verification)
    {
        if (inUse is null)
        {
            await o.WriteLineAsync($"Not signed in: no credentials in {storePath}.").ConfigureAwait(false);
            await o.WriteLineAsync("To sign in, run one of:").ConfigureAwait(false);
            foreach (string remedy in s_remedies)
            {
                await o.WriteLineAsync("  " + remedy).ConfigureAwait(false);
            }

            return;
        }

        if (inUse.Invalid is not null)
        {
            await o.WriteLineAsync($"Invalid {inUse.Mode} in {inUse.Source}: it cannot be used (see the error below).").ConfigureAwait(false);
        }
        else if (inUse.FromEnvironment)
        {
            await o.WriteLineAsync($"Using {inUse.Mode} from {inUse.Source} (it takes precedence over the stored credentials).").ConfigureAwait(false);
        }
        else
        {
            string title = stored!.Mode switch
            {
                CodexAuthMode.ChatGpt => "Signed in with ChatGPT",
                CodexAuthMode.ApiKey => "Signed in with an API key",
                CodexAuthMode.PersonalAccessToken => "Signed in with a personal access token",
                CodexAuthMode.AgentIdentity => "Signed in with an agent identity",
                _ => $"Signed in (mode {ModeName(stored)})",
            };
            await o.WriteLineAsync(title).ConfigureAwait(false);
        }

        if (inUse.Invalid is null)
        {
            await Line(o, "Mode", inUse.Mode).ConfigureAwait(false);
            await Line(o, "Account", inUse.AccountId).ConfigureAwait(false);
            await Line(o, "Email", inUse.Email).ConfigureAwait(false);
            await Line(o, "Plan", inUse.Plan).ConfigureAwait(false);
            await Line(o, "Agent runtime", inUse.AgentRuntimeId).ConfigureAwait(false);
            if (inUse.Mode is "chatgpt" or "agentIdentity")
            {
                await Line(o, "FedRAMP", inUse.IsFedRamp ? "yes" : "no").ConfigureAwait(false);
            }

            if (inUse.Mode == "personalAccessToken" && inUse.AccountId is null)
            {
                await Line(o, "Account", "asked of whoami on first use (`codex-auth status --verify` asks now)").ConfigureAwait(false);
            }

            if (inUse.Mode == "chatgpt" || inUse.ExpiresAt is not null)
            {
                string? expiry = inUse.ExpiresAt is { } exp
                    ? $"{CodexAuthDocument.FormatTimestamp(exp)} ({(exp <= now ? (inUse.Mode == "chatgpt" ? "expired; it is refreshed on next use" : "expired") : "in " + Describe(exp - now))})"
                    : null;
                await Line(o, inUse.Mode == "chatgpt" ? "Access token" : "Expires", expiry is null ? "no expiry claim" : (inUse.Mode == "chatgpt" ? "expires " : string.Empty) + expiry).ConfigureAwait(false);
            }

            if (inUse.Mode == "chatgpt")
            {
                await Line(o, "Last refresh", inUse.LastRefresh is { } lr ? CodexAuthDocument.FormatTimestamp(lr) : "never").ConfigureAwait(false);
            }
        }

        if (inUse.FromEnvironment)
        {
            await Line(o, "Stored", stored is null ? $"none ({storePath})" : $"{ModeName(stored)} in {storePath} (not used while {inUse.Source} is set)").ConfigureAwait(false);
        }
        else
        {
            await Line(o, "Stored in", storePath).ConfigureAwait(false);
        }

        if (verification is not null)
        {
            await verification.WriteTextAsync(o).ConfigureAwait(false);
        }
    }

    private static Task Line(TextWriter o, string label, string? value) =>
        value is null ? Task.CompletedTask : o.WriteLineAsync($"  {label + ":",-16}{value}");

    private static string Describe(TimeSpan span) =>
        span.TotalDays >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalDays}d {span.Hours}h")
        : span.TotalHours >= 1 ? string.Create(CultureInfo.InvariantCulture, $"{(int)span.TotalHours}h {span.Minutes}m")
        : string.Create(CultureInfo.InvariantCulture, $"{Math.Max(0, (int)span.TotalMinutes)}m {span.Seconds}s");

    /// <summary>The credential Codex would use (PROTOCOL §7), described offline.</summary>
    internal sealed record InUse(string Mode, string Source, bool FromEnvironment)
    {
        public string? AccountId { get; init; }

        public string? Email { get; init; }

        public string? Plan { get; init; }

        public bool IsFedRamp { get; init; }

        public string? AgentRuntimeId { get; init; }

        public DateTimeOffset? ExpiresAt { get; init; }

        public DateTimeOffset? LastRefresh { get; init; }

        public CodexAuthException? Invalid { get; init; }

        public static InUse? FromVariables(CodexEnvironment environment)
        {
            if (environment.GetNonBlank(CodexEnvironmentVariables.CodexApiKey) is not null)
            {
                return new InUse("apikey", CodexEnvironmentVariables.CodexApiKey, true);
            }

            foreach (string name in (ReadOnlySpan<string>)[CodexEnvironmentVariables.CodexAccessToken, CodexEnvironmentVariables.CodexAgentIdentity])
            {
                if (environment.GetNonBlank(name) is not { } value)
                {
                    continue;
                }

                if (PersonalAccessTokenProvider.IsPersonalAccessToken(value))
                {
                    return new InUse("personalAccessToken", name, true);
                }

                try
                {
                    UnverifiedAgentIdentity identity = AgentIdentityClaims.ReadUnverified(value, name);
                    return new InUse("agentIdentity", name, true)
                    {
                        AccountId = identity.AccountId,
                        Email = identity.Email,
                        Plan = identity.PlanType,
                        IsFedRamp = identity.IsFedRamp,
                        AgentRuntimeId = identity.AgentRuntimeId,
                        ExpiresAt = identity.ExpiresAt,
                    };
                }
                catch (CodexAuthException ex)
                {
                    return new InUse("agentIdentity", name, true) { Invalid = ex };
                }
            }

            return null;
        }

        public static InUse FromStore(SignInStatus stored) => new(ModeName(stored), stored.Location, false)
        {
            AccountId = stored.AccountId,
            Email = stored.Email,
            Plan = stored.PlanType,
            IsFedRamp = stored.IsFedRamp,
            ExpiresAt = stored.AccessTokenExpiresAt,
            LastRefresh = stored.LastRefresh,
        };
    }
}
