using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Codex.Auth.SignIn;
using Codex.Auth.Storage;
using Codex.Auth.Tests.Infrastructure;

namespace Codex.Auth.Tests.SignIn;

public sealed class BrowserSignInTests : SignInTestBase
{
    private (CodexSignIn SignIn, Task<SignInResult> Flow, Task<SignInProgress> Ready) Start()
    {
        var signIn = new CodexSignIn(
            new FileCredentialStore(Home.Path),
            new SignInOptions { Issuer = Issuer.Issuer, HttpClient = Http, CallbackPort = 0, FallbackCallbackPort = null, Originator = "codex_test" });
        var ready = new TaskCompletionSource<SignInProgress>(TaskCreationOptions.RunContinuationsAsynchronously);
        Task<SignInResult> flow = signIn.SignInWithBrowserAsync(new SyncProgress(p =>
        {
            if (p.Kind == SignInProgressKind.AuthorizationUrlReady)
            {
                ready.TrySetResult(p);
            }
        }));
        return (signIn, flow, ready.Task);
    }

    private static Dictionary<string, string> Query(Uri uri) =>
        uri.Query.TrimStart('?').Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));

    private async Task<(HttpStatusCode Status, string Body)> BrowserVisitAsync(Uri redirect, string query)
    {
        // The listener is bound to 127.0.0.1; "localhost" in the redirect resolves to it.
        var url = new Uri($"http://127.0.0.1:{redirect.Port}{redirect.AbsolutePath}?{query}");
        using HttpResponseMessage response = await Http.GetAsync(url);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Authorize_url_pkce_callback_and_exchange_match_the_protocol()
    {
        (CodexSignIn signIn, Task<SignInResult> flow, Task<SignInProgress> readyTask) = Start();
        using (signIn)
        {
            SignInProgress ready = await readyTask;
            Uri authorize = ready.AuthorizationUri!;
            Dictionary<string, string> q = Query(authorize);

            Assert.Equal(Issuer.Issuer.AbsoluteUri.TrimEnd('/') + "/oauth/authorize", authorize.GetLeftPart(UriPartial.Path));
            Assert.Equal(
                ["response_type", "client_id", "redirect_uri", "scope", "code_challenge", "code_challenge_method", "id_token_add_organizations", "codex_cli_simplified_flow", "state", "originator"],
                q.Keys);
            Assert.Equal("code", q["response_type"]);
            Assert.Equal("app_EMoamEEZ73f0CkXaXp7hrann", q["client_id"]);
            Assert.Equal($"http://localhost:{ready.RedirectUri!.Port}/auth/callback", q["redirect_uri"]);
            Assert.Equal(ready.RedirectUri.OriginalString, q["redirect_uri"]);
            Assert.Equal("openid profile email offline_access api.connectors.read api.connectors.invoke", q["scope"]);
            Assert.Contains("scope=openid%20profile%20email", authorize.AbsoluteUri, StringComparison.Ordinal);
            Assert.Equal("S256", q["code_challenge_method"]);
            Assert.Equal("true", q["id_token_add_organizations"]);
            Assert.Equal("true", q["codex_cli_simplified_flow"]);
            Assert.Equal("codex_test", q["originator"]);
            Assert.Equal(43, q["state"].Length); // base64url(32 bytes), no padding
            Assert.Equal(43, q["code_challenge"].Length);

            (HttpStatusCode status, string page) = await BrowserVisitAsync(ready.RedirectUri, $"code={FakeIssuer.AuthorizationCode}&state={Uri.EscapeDataString(q["state"])}");
            SignInResult result = await flow;

            Assert.Equal(HttpStatusCode.OK, status);
            Assert.Contains("Signed in", page, StringComparison.Ordinal);
            Assert.Equal(FakeIssuer.AccountId, result.AccountId);

            SeenRequest exchange = Assert.Single(Issuer.RequestsTo("/oauth/token"));
            Dictionary<string, string> form = exchange.Body.Split('&').Select(p => p.Split('=', 2)).ToDictionary(p => p[0], p => Uri.UnescapeDataString(p[1]));
            Assert.Equal(["grant_type", "code", "redirect_uri", "client_id", "code_verifier"], form.Keys);
            Assert.Equal("authorization_code", form["grant_type"]);
            Assert.Equal(FakeIssuer.AuthorizationCode, form["code"]);
            Assert.Equal(q["redirect_uri"], form["redirect_uri"]);
            Assert.Equal("app_EMoamEEZ73f0CkXaXp7hrann", form["client_id"]);
            string verifier = form["code_verifier"];
            Assert.Equal(86, verifier.Length); // base64url(64 bytes)
            Assert.Matches("^[A-Za-z0-9_-]+$", verifier);
            string expectedChallenge = Convert.ToBase64String(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))).TrimEnd('=').Replace('+', '-').Replace('/', '_');
            Assert.Equal(expectedChallenge, q["code_challenge"]);

            string path = Home.File("auth.json");
            var json = JsonNode.Parse(await File.ReadAllTextAsync(path))!.AsObject();
            Assert.Equal(FakeIssuer.RefreshToken, (string?)json["tokens"]!["refresh_token"]);
            Assert.Equal(FakeIssuer.AccountId, (string?)json["tokens"]!["account_id"]);
            if (!OperatingSystem.IsWindows())
            {
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
            }
        }
    }

    [Fact]
    public async Task A_state_mismatch_is_rejected_with_an_error_page_and_no_exchange()
    {
        (CodexSignIn signIn, Task<SignInResult> flow, Task<SignInProgress> readyTask) = Start();
        using (signIn)
        {
            SignInProgress ready = await readyTask;

            (HttpStatusCode status, string page) = await BrowserVisitAsync(ready.RedirectUri!, $"code={FakeIssuer.AuthorizationCode}&state=forged");

            var ex = await Assert.ThrowsAsync<CodexAuthException>(() => flow);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains("state", page, StringComparison.Ordinal);
            Assert.Equal(CodexAuthFailureReason.SignInFailed, ex.Reason);
            Assert.Contains("state did not match", ex.Message, StringComparison.Ordinal);
            DeviceCodeSignInTests.AssertNoSecret(ex.ToString());
            Assert.Empty(Issuer.RequestsTo("/oauth/token"));
            Assert.False(File.Exists(Home.File("auth.json")));
        }
    }

    [Fact]
    public async Task Other_paths_get_404_and_the_flow_keeps_waiting_until_cancelled()
    {
        using var cts = new CancellationTokenSource();
        var signIn = new CodexSignIn(new FileCredentialStore(Home.Path), new SignInOptions { Issuer = Issuer.Issuer, HttpClient = Http, CallbackPort = 0, FallbackCallbackPort = null });
        using (signIn)
        {
            var ready = new TaskCompletionSource<SignInProgress>();
            Task<SignInResult> flow = signIn.SignInWithBrowserAsync(new SyncProgress(p => ready.TrySetResult(p)), cts.Token);
            Uri redirect = (await ready.Task).RedirectUri!;

            using HttpResponseMessage favicon = await Http.GetAsync(new Uri($"http://127.0.0.1:{redirect.Port}/favicon.ico"));
            Assert.Equal(HttpStatusCode.NotFound, favicon.StatusCode);
            Assert.False(flow.IsCompleted);

            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => flow);

            // The port is released.
            await Assert.ThrowsAsync<HttpRequestException>(() => Http.GetAsync(new Uri($"http://127.0.0.1:{redirect.Port}/auth/callback")));
        }
    }

    [Fact]
    public async Task An_error_from_the_authorization_server_fails_the_flow()
    {
        (CodexSignIn signIn, Task<SignInResult> flow, Task<SignInProgress> readyTask) = Start();
        using (signIn)
        {
            SignInProgress ready = await readyTask;
            string state = Query(ready.AuthorizationUri!)["state"];

            (HttpStatusCode status, _) = await BrowserVisitAsync(ready.RedirectUri!, $"error=access_denied&state={Uri.EscapeDataString(state)}");

            var ex = await Assert.ThrowsAsync<CodexAuthException>(() => flow);
            Assert.Equal(HttpStatusCode.BadRequest, status);
            Assert.Contains("access_denied", ex.Message, StringComparison.Ordinal);
        }
    }
}
