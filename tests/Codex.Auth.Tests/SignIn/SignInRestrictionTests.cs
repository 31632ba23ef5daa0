using Codex.Auth.Configuration;
using Codex.Auth.SignIn;
using Codex.Auth.Storage;
using Codex.Auth.Tests.Infrastructure;

namespace Codex.Auth.Tests.SignIn;

/// <summary>forced_login_method and forced_chatgpt_workspace_id at sign-in, as the Codex CLI enforces them.</summary>
public sealed class SignInRestrictionTests : SignInTestBase
{
    private const string Previous = """{"auth_mode":"apikey","OPENAI_API_KEY":"sk-previous"}""";

    private CodexSignIn CreateSignIn(CodexLoginMethod? method = null, string? workspace = null) =>
        new(new FileCredentialStore(Home.Path), new SignInOptions
        {
            Issuer = Issuer.Issuer,
            HttpClient = Http,
            CallbackPort = 0,
            FallbackCallbackPort = null,
            ForcedLoginMethod = method,
            ForcedChatGptWorkspaceId = workspace,
        });

    [Fact]
    public async Task Forced_api_refuses_ChatGPT_sign_in_before_anything_is_sent()
    {
        using CodexSignIn signIn = CreateSignIn(CodexLoginMethod.Api);

        var device = await Assert.ThrowsAsync<CodexAuthException>(() => signIn.SignInWithDeviceCodeAsync());
        var browser = await Assert.ThrowsAsync<CodexAuthException>(() => signIn.SignInWithBrowserAsync());
        var pat = await Assert.ThrowsAsync<CodexAuthException>(() => signIn.SavePersonalAccessTokenAsync("at-123"));

        Assert.All(new[] { device, browser, pat }, e => Assert.Equal(CodexAuthFailureReason.SignInFailed, e.Reason));
        Assert.Contains("forced_login_method = \"api\"", device.Message, StringComparison.Ordinal);
        Assert.Empty(Issuer.Requests);
        Assert.False(File.Exists(Home.File("auth.json")));
        Assert.Equal(CodexAuthMode.ApiKey, (await signIn.SaveApiKeyAsync("sk-allowed")).Mode);
    }

    [Fact]
    public async Task Forced_chatgpt_refuses_an_API_key_and_keeps_what_is_stored()
    {
        File.WriteAllText(Home.File("auth.json"), Previous);
        using CodexSignIn signIn = CreateSignIn(CodexLoginMethod.ChatGpt);

        var error = await Assert.ThrowsAsync<CodexAuthException>(() => signIn.SaveApiKeyAsync("sk-new"));

        Assert.Equal(CodexAuthFailureReason.SignInFailed, error.Reason);
        Assert.Contains("forced_login_method = \"chatgpt\"", error.Message, StringComparison.Ordinal);
        Assert.Contains("codex-auth login", error.Remediation, StringComparison.Ordinal);
        Assert.Equal(Previous, File.ReadAllText(Home.File("auth.json")));
    }

    [Fact]
    public async Task A_sign_in_to_another_workspace_is_refused_and_nothing_is_saved_or_revoked()
    {
        File.WriteAllText(Home.File("auth.json"), Previous);
        using CodexSignIn signIn = CreateSignIn(workspace: "ws_expected");
        Issuer.Approve();

        var error = await Assert.ThrowsAsync<CodexAuthException>(() => signIn.SignInWithDeviceCodeAsync());

        Assert.Equal(CodexAuthFailureReason.SignInFailed, error.Reason);
        Assert.Contains("ws_expected", error.Message, StringComparison.Ordinal);
        Assert.Contains(FakeIssuer.AccountId, error.Message, StringComparison.Ordinal);
        Assert.Contains("Nothing was saved", error.Message, StringComparison.Ordinal);
        Assert.Equal(Previous, File.ReadAllText(Home.File("auth.json")));
        Assert.Empty(Issuer.RequestsTo("/oauth/revoke"));
    }

    [Fact]
    public async Task A_sign_in_to_the_allowed_workspace_is_saved()
    {
        using CodexSignIn signIn = CreateSignIn(CodexLoginMethod.ChatGpt, FakeIssuer.AccountId);
        Issuer.Approve();

        SignInResult result = await signIn.SignInWithDeviceCodeAsync();

        Assert.Equal(FakeIssuer.AccountId, result.AccountId);
        Assert.True(File.Exists(Home.File("auth.json")));
    }

    [Fact]
    public async Task The_browser_flow_asks_the_issuer_for_the_allowed_workspace()
    {
        using CodexSignIn signIn = CreateSignIn(workspace: "ws_expected");
        using var cts = new CancellationTokenSource();
        var ready = new TaskCompletionSource<SignInProgress>(TaskCreationOptions.RunContinuationsAsynchronously);

        Task<SignInResult> flow = signIn.SignInWithBrowserAsync(new SyncProgress(p => ready.TrySetResult(p)), cts.Token);
        SignInProgress progress = await ready.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => flow);

        Assert.Contains("&allowed_workspace_id=ws_expected", progress.AuthorizationUri!.Query, StringComparison.Ordinal);
    }

    [Fact]
    public void Restrictions_come_from_the_configuration()
    {
        using var home = new TempDirectory();
        File.WriteAllText(home.File("config.toml"), "forced_login_method = \"chatgpt\"\nforced_chatgpt_workspace_id = \"ws_cfg\"\n");
        CodexConfiguration config = CodexConfiguration.Resolve(new CodexConfigurationOptions { CodexHome = home.Path }, CodexEnvironment.FromValues(new Dictionary<string, string?>()));

        SignInOptions options = new SignInOptions().WithRestrictions(config);

        Assert.Equal(CodexLoginMethod.ChatGpt, options.ForcedLoginMethod);
        Assert.Equal("ws_cfg", options.ForcedChatGptWorkspaceId);
    }
}
