using System.CommandLine;
using System.Text.Json;
using Codex.Auth.SignIn;

namespace Codex.Auth.Cli.Commands;

/// <summary><c>codex-auth logout</c>: revoke the refresh token (best effort) and delete the stored credentials.</summary>
internal static class LogoutCommand
{
    public static Command Create(CliContext context)
    {
        Option<string?> issuer = CommonOptions.Issuer();
        Option<bool> json = CommonOptions.Json();
        var storeOptions = new StoreOptions();
        var command = new Command("logout", "Sign out: revoke the stored refresh token at the issuer (best effort) and delete the stored credentials (auth.json or the keyring entry), even when the revocation fails.")
        {
            issuer,
            json,
        };
        storeOptions.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            Uri? issuerUri = CommonOptions.ParseIssuer(parse.GetValue(issuer));
            StoreOptions.OpenedStore opened = await storeOptions.OpenAsync(context, parse).ConfigureAwait(false);
            await using System.Runtime.CompilerServices.ConfiguredAsyncDisposable openedScope = opened.ConfigureAwait(false);
            using var signIn = new CodexSignIn(opened.Store, context.CreateSignInOptions(issuerUri));
            LogoutResult result = await signIn.LogoutAsync(cancellationToken).ConfigureAwait(false);
            if (parse.GetValue(json))
            {
                await context.Out.WriteLineAsync(ToJson(result)).ConfigureAwait(false);
            }
            else if (!result.Removed)
            {
                await context.Out.WriteLineAsync($"Not signed in; nothing to remove ({result.Location}).").ConfigureAwait(false);
            }
            else
            {
                string revoke = result.Revoke switch
                {
                    RevokeOutcome.Revoked => "the refresh token was revoked",
                    RevokeOutcome.Failed => "the refresh token could not be revoked (removed locally anyway)",
                    _ => "nothing to revoke",
                };
                await context.Out.WriteLineAsync($"Signed out: removed {result.Location}; {revoke}.").ConfigureAwait(false);
            }

            return CliExitCodes.Success;
        });
        return command;
    }

    internal static string RevokeName(RevokeOutcome outcome) => outcome switch
    {
        RevokeOutcome.Revoked => "revoked",
        RevokeOutcome.Failed => "failed",
        _ => "not_needed",
    };

    private static string ToJson(LogoutResult result)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteBoolean("removed", result.Removed);
            w.WriteString("revoke", RevokeName(result.Revoke));
            w.WriteString("store", result.Location);
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
