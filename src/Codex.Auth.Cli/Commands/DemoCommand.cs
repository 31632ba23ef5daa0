using System.CommandLine;
using System.Net;
using Codex.Auth.ChatGpt;
using Codex.Auth.Http;
using Codex.Auth.SignIn;
using Codex.Auth.Storage;
using Codex.Auth.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Codex.Auth.Cli.Commands;

/// <summary>
/// <c>codex-auth demo</c>: the whole cycle against the embedded <c>Codex.Auth.Testing</c> server in a temporary
/// CODEX_HOME — device sign-in, an authenticated request, a refresh, a 401 recovery, logout — narrating each step
/// with secrets shown only as fingerprints. What a newcomer without an account runs first.
/// </summary>
internal static class DemoCommand
{
    public static Command Create(CliContext context)
    {
        var command = new Command("demo", "Run sign-in, an authenticated request, a refresh, a 401 recovery and logout against a local fake OpenAI server in a temporary CODEX_HOME. Needs no account; touches nothing of yours.");
        command.SetAction((_, cancellationToken) => RunAsync(context, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(CliContext context, CancellationToken cancellationToken)
    {
        TextWriter o = context.Out;
        string home = Path.Combine(Path.GetTempPath(), "codex-auth-demo-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(home);
        try
        {
            FakeCodexServer server = await FakeCodexServer.StartAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await using System.Runtime.CompilerServices.ConfiguredAsyncDisposable serverScope = server.ConfigureAwait(false);
            await o.WriteLineAsync($"[1/6] Started a fake OpenAI auth server and Codex backend at {server.BaseAddress}").ConfigureAwait(false);
            await o.WriteLineAsync($"      CODEX_HOME for this demo: {home}").ConfigureAwait(false);

            // Device-code sign-in: the demo plays the user by approving the code on the fake server.
            var store = new FileCredentialStore(home);
            var signInOptions = new SignInOptions { Issuer = server.Issuer };
            using var signIn = new CodexSignIn(store, signInOptions);
            var progress = new SynchronousProgress<SignInProgress>(p =>
            {
                if (p.Kind == SignInProgressKind.DeviceCodeIssued && p.UserCode is { } code)
                {
                    o.WriteLine($"[2/6] Device sign-in: open {p.VerificationUri} and enter the code {code}");
                    o.WriteLine("      (the demo approves it on the fake server for you)");
                    server.ApproveDeviceCode(code, accountId: "acct_demo", email: "demo@example.com", plan: "plus");
                }
            });
            SignInResult result = await signIn.SignInWithDeviceCodeAsync(progress, cancellationToken).ConfigureAwait(false);
            await o.WriteLineAsync($"      Signed in: account {result.AccountId}, {result.Email}, plan {result.PlanType}; wrote {result.Location} (mode {Mode(result.Location)})").ConfigureAwait(false);

            // The provider gets its own clock so the demo can jump past the token's expiry.
            var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
            var factory = new CodexProviderFactory(new CodexProviderContext
            {
                TimeProvider = clock,
                Environment = CodexEnvironment.FromValues(new Dictionary<string, string?>()),
            });
            using var provider = factory.CreateChatGpt(
                new ChatGptTokenProviderOptions
                {
                    CredentialStore = store,
                    RefreshTokenUrl = server.TokenEndpoint,
                    BaseUrl = server.CodexBaseUrl,
                    RefreshRetryDelay = TimeSpan.Zero,
                });
            using var http = new HttpClient(new CodexAuthHandler(provider) { InnerHandler = new SocketsHttpHandler() })
            {
                BaseAddress = new Uri(server.CodexBaseUrl.AbsoluteUri + "/"),
            };

            AuthHeaders first = await provider.GetHeadersAsync(cancellationToken).ConfigureAwait(false);
            using (HttpResponseMessage response = await http.PostAsync("responses", new StringContent("""{"model":"gpt-5-codex","input":"hello"}"""), cancellationToken).ConfigureAwait(false))
            {
                await o.WriteLineAsync($"[3/6] POST responses with {first} -> {(int)response.StatusCode} {response.StatusCode}").ConfigureAwait(false);
                Require(response.StatusCode == HttpStatusCode.OK, "the authenticated request failed");
            }

            ChatGptSession session = await provider.GetSessionAsync(cancellationToken).ConfigureAwait(false);
            clock.Advance(TimeSpan.FromHours(2));
            await o.WriteLineAsync($"[4/6] The access token expires at {session.AccessTokenExpiresAt:u}; moving the provider's clock 2 hours ahead").ConfigureAwait(false);
            using (HttpResponseMessage response = await http.GetAsync("models", cancellationToken).ConfigureAwait(false))
            {
                AuthHeaders refreshed = await provider.GetHeadersAsync(cancellationToken).ConfigureAwait(false);
                await o.WriteLineAsync($"      The provider refreshed once under auth.lock (refresh_reason=proactive_expiry): [{first.Fingerprint}] -> [{refreshed.Fingerprint}]; GET models -> {(int)response.StatusCode}").ConfigureAwait(false);
                Require(response.StatusCode == HttpStatusCode.OK && !refreshed.HasSameCredential(first), "the refresh did not happen");
            }

            AuthHeaders beforeRecovery = await provider.GetHeadersAsync(cancellationToken).ConfigureAwait(false);
            server.BackendFaults.Unauthorized(times: 1);
            using (HttpResponseMessage response = await http.GetAsync("models", cancellationToken).ConfigureAwait(false))
            {
                AuthHeaders recovered = await provider.GetHeadersAsync(cancellationToken).ConfigureAwait(false);
                await o.WriteLineAsync($"[5/6] The backend answered 401 once; the handler asked the provider to recover (refresh_reason=unauthorized_recovery): [{beforeRecovery.Fingerprint}] -> [{recovered.Fingerprint}]; retry -> {(int)response.StatusCode}").ConfigureAwait(false);
                Require(response.StatusCode == HttpStatusCode.OK, "the 401 recovery failed");
            }

            await o.WriteLineAsync($"      The fake server saw {server.TokenRefreshCount} refreshes: {string.Join(", ", server.RefreshReasons)}").ConfigureAwait(false);
            LogoutResult logout = await signIn.LogoutAsync(cancellationToken).ConfigureAwait(false);
            await o.WriteLineAsync($"[6/6] Logged out: refresh token {LogoutCommand.RevokeName(logout.Revoke)}, {(logout.Removed ? "auth.json removed" : "nothing removed")}").ConfigureAwait(false);
            await o.WriteLineAsync("Done. Tokens were shown only as [fingerprints]. Next: `codex-auth status` with your own sign-in.").ConfigureAwait(false);
            return CliExitCodes.Success;
        }
        finally
        {
            try
            {
                Directory.Delete(home, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static string Mode(string path) =>
        OperatingSystem.IsWindows() ? "n/a" : Convert.ToString((int)File.GetUnixFileMode(path), 8).PadLeft(4, '0');

    private static void Require(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException("demo failed: " + what);
        }
    }

    /// <summary>Reports on the calling thread (Progress&lt;T&gt; would post to the thread pool and reorder output).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
