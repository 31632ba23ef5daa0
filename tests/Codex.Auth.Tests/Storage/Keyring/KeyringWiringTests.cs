using System.Net;
using System.Text.Json.Nodes;
using Codex.Auth.Proxy;
using Codex.Auth.Resolution;
using Codex.Auth.Testing;
using Codex.Auth.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Codex.Auth.Tests.Storage.Keyring;

/// <summary>
/// The configured store and chatgpt_base_url through the one factory: the resolver, AddCodexAuth and the proxy find a
/// keyring sign-in with no setting but config.toml, refresh it once and write it back to the keyring.
/// </summary>
[Collection(SecretServiceGroup.Name)]
public sealed class KeyringWiringTests(SecretServiceDaemon daemon)
{
    [SecretServiceFact]
    public async Task The_resolver_finds_a_keyring_sign_in_from_config_toml()
    {
        await using FakeCodexServer server = await FakeCodexServer.StartAsync();
        using var home = new TempDirectory();
        await SignInAsCodexCliAsync(server, home, "acct_resolved", expired: false);

        ResolvedCredential credential = new CodexProviderFactory(new CodexProviderContext { Environment = Environment(home, server) }).Resolve();

        Assert.Equal(CodexCredentialSource.ChatGpt, credential.Kind);
        Assert.Equal("keyring: Secret Service", credential.Source);
        Assert.Equal(server.CodexBaseUrl, credential.BaseUrl);
        AuthHeaders headers = await credential.Provider.GetHeadersAsync();
        Assert.Equal("acct_resolved", headers.AccountId);
        (credential.Provider as IDisposable)?.Dispose();
    }

    [SecretServiceFact]
    public async Task AddCodexAuth_sends_to_chatgpt_base_url_and_refreshes_the_keyring_sign_in_in_place()
    {
        await using FakeCodexServer server = await FakeCodexServer.StartAsync();
        using var home = new TempDirectory();
        string account = await SignInAsCodexCliAsync(server, home, "acct_di", expired: true);
        var services = new ServiceCollection();
        services.AddSingleton(Environment(home, server));
        services.AddHttpClient("codex").AddCodexAuth();
        using ServiceProvider sp = services.BuildServiceProvider();

        HttpClient client = sp.GetRequiredService<IHttpClientFactory>().CreateClient("codex");
        using HttpResponseMessage response = await client.GetAsync(new Uri("models", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new Uri(server.CodexBaseUrl.AbsoluteUri + "/"), client.BaseAddress);
        Assert.Equal(1, server.TokenRefreshCount);
        FakeSignIn current = server.CurrentTokens("acct_di");
        RecordedRequest seen = Assert.Single(server.RequestsTo("/backend-api/codex/models"));
        Assert.Equal("Bearer " + current.AccessToken, seen.Header("Authorization"));
        JsonNode stored = JsonNode.Parse(await LookupAsync(account))!;
        Assert.Equal(current.RefreshToken, (string?)stored["tokens"]!["refresh_token"]);
        Assert.Equal("kept", (string?)stored["codex_future_field"]);
        Assert.False(File.Exists(home.File("auth.json")));
    }

    [SecretServiceFact]
    public async Task The_proxy_forwards_a_keyring_sign_in()
    {
        await using FakeCodexServer server = await FakeCodexServer.StartAsync();
        using var home = new TempDirectory();
        await SignInAsCodexCliAsync(server, home, "acct_proxy", expired: false);
        await using CodexAuthProxyHost proxy = await CodexAuthProxyHost.StartAsync(new CodexAuthProxyOptions
        {
            ChatGptUpstream = new Uri(server.BaseAddress, "backend-api"),
            OpenAIUpstream = new Uri(server.BaseAddress, "v1"),
            AuthUpstream = server.BaseAddress,
            ForwardHostCredentials = true,
            CodexHome = home.Path,
            Environment = Environment(home, server),
        });
        using var client = new HttpClient { BaseAddress = proxy.Address };

        using HttpResponseMessage response = await client.GetAsync(new Uri("backend-api/codex/models", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        RecordedRequest seen = Assert.Single(server.RequestsTo("/backend-api/codex/models"));
        Assert.Equal("Bearer " + server.CurrentTokens("acct_proxy").AccessToken, seen.Header("Authorization"));
        Assert.Equal("acct_proxy", seen.Header("ChatGPT-Account-ID"));
    }

    [Fact]
    public async Task Auto_without_a_session_bus_resolves_auth_json_and_keyring_mode_fails_with_the_typed_error()
    {
        await using FakeCodexServer server = await FakeCodexServer.StartAsync();
        using var home = new TempDirectory();
        File.WriteAllText(home.File("auth.json"), server.SignIn(accountId: "acct_file").ToAuthJson(DateTimeOffset.UtcNow));
        File.WriteAllText(home.File("config.toml"), "cli_auth_credentials_store = \"auto\"\n");
        var noBus = CodexEnvironment.FromValues(new Dictionary<string, string?> { ["CODEX_HOME"] = home.Path });

        ResolvedCredential credential = new CodexProviderFactory(new CodexProviderContext { Environment = noBus }).Resolve();

        Assert.Equal(CodexCredentialSource.ChatGpt, credential.Kind);
        Assert.Equal(home.File("auth.json"), credential.Source);
        (credential.Provider as IDisposable)?.Dispose();

        File.WriteAllText(home.File("config.toml"), "cli_auth_credentials_store = \"keyring\"\n");
        var error = Assert.Throws<CodexAuthException>(() => new CodexProviderFactory(new CodexProviderContext { Environment = noBus }).Resolve());
        Assert.Equal(CodexAuthFailureReason.KeyringUnavailable, error.Reason);
        Assert.Contains("DBUS_SESSION_BUS_ADDRESS", error.Message, StringComparison.Ordinal);
    }

    private CodexEnvironment Environment(TempDirectory home, FakeCodexServer server) => CodexEnvironment.FromValues(new Dictionary<string, string?>
    {
        ["CODEX_HOME"] = home.Path,
        ["DBUS_SESSION_BUS_ADDRESS"] = daemon.Address,
        ["CODEX_REFRESH_TOKEN_URL_OVERRIDE"] = server.TokenEndpoint.AbsoluteUri,
    });

    /// <summary>config.toml names the keyring and the fake backend; the entry is written as the Codex CLI writes it.</summary>
    private async Task<string> SignInAsCodexCliAsync(FakeCodexServer server, TempDirectory home, string accountId, bool expired)
    {
        File.WriteAllText(home.File("config.toml"), $"cli_auth_credentials_store = \"keyring\"\nchatgpt_base_url = \"{server.ChatGptBaseUrl}\"\n");
        string account = Codex.Auth.Storage.Keyring.KeyringEntryName.ForCodexHome(home.Path);
        FakeSignIn signIn = server.SignIn(accountId: accountId);
        JsonObject doc = (JsonObject)JsonNode.Parse(signIn.ToAuthJson(DateTimeOffset.UtcNow.AddMinutes(-5)))!;
        if (expired)
        {
            doc["tokens"]!["access_token"] = server.MintJwt(new JsonObject
            {
                ["exp"] = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeSeconds(),
                ["iat"] = DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds(),
            });
        }

        doc["codex_future_field"] = "kept";
        await daemon.SecretToolAsync(
            doc.ToJsonString(),
            "store",
            "--label=" + account + "@Codex Auth:default (keyring v3.6.3)",
            "service", "Codex Auth", "username", account, "target", "default", "application", "rust-keyring");
        return account;
    }

    private Task<string> LookupAsync(string account) =>
        daemon.SecretToolAsync(null, "lookup", "service", "Codex Auth", "username", account, "target", "default");
}
