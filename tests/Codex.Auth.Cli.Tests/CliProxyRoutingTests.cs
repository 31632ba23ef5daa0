using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Codex.Auth.Testing;

namespace Codex.Auth.Cli.Tests;

/// <summary>
/// A residency-constrained workspace behind <c>codex-auth proxy</c> (a real process): the agent, holding only
/// <c>placeholder-auth</c> credentials and obeying the discovery answer as the Codex CLI does, completes a turn through the proxy.
/// </summary>
public sealed class CliProxyRoutingTests : HostAndSandboxTest
{
    private const string AccountId = "acct_resident";
    private const string OverrideHeader = "x-openai-account-routing-override";

    [Fact]
    public async Task A_routed_turn_completes_and_the_agent_never_leaves_the_proxy()
    {
        FakeSignIn host = Server.SignIn(accountId: AccountId, plan: "enterprise");
        File.WriteAllText(Home.File("auth.json"), host.ToAuthJson(DateTimeOffset.UtcNow));
        Server.RouteAccount(AccountId, routingOverride: "us");
        var env = new Dictionary<string, string> { ["CODEX_REFRESH_TOKEN_URL_OVERRIDE"] = Server.TokenEndpoint.AbsoluteUri };
        string placeholderPath = Sandbox.File("auth.json");
        CliResult placeholder = await CliProcess.RunAsync(Home.Path, ["placeholder-auth", "--out", placeholderPath], null, env);
        Assert.True(placeholder.ExitCode == 0, placeholder.All);
        JsonNode sandboxTokens = JsonNode.Parse(File.ReadAllText(placeholderPath))!["tokens"]!;
        string placeholderToken = sandboxTokens["access_token"]!.GetValue<string>();

        Uri fake = Server.BaseAddress;
        CliProcess proxy = CliProcess.Start(
            Home.Path,
            [
                "proxy", "--listen", "127.0.0.1:0", "--forward-host-credentials",
                "--chatgpt-upstream", new Uri(fake, "backend-api").AbsoluteUri,
                "--openai-upstream", new Uri(fake, "v1").AbsoluteUri,
                "--auth-upstream", fake.AbsoluteUri,
            ],
            null,
            env);
        Processes.Add(proxy);
        string line = await proxy.WaitForStdoutLineAsync("listening on ");
        var proxyAddress = new Uri(line["listening on ".Length..], UriKind.Absolute);
        var chatGptBaseUrl = new Uri(proxyAddress, "backend-api/"); // the agent's chatgpt_base_url

        // The agent: discovery first, then its model calls wherever the answer says (NO_CONSTRAINT = chatgpt_base_url's origin).
        using var agent = new HttpClient();
        agent.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", placeholderToken);
        agent.DefaultRequestHeaders.Add("ChatGPT-Account-ID", sandboxTokens["account_id"]!.GetValue<string>());
        using HttpResponseMessage discovery = await agent.GetAsync(new Uri(chatGptBaseUrl, "wham/accounts/check"));
        Assert.Equal(HttpStatusCode.OK, discovery.StatusCode);
        JsonObject account = (JsonObject)JsonNode.Parse(await discovery.Content.ReadAsStringAsync())!["accounts"]!.AsArray().Single(a => (string?)a!["id"] == AccountId)!;
        string announced = account["workspace_backend_origin"]!.GetValue<string>();
        string routingOverride = account["account_routing_override"]!.GetValue<string>();
        Uri origin = announced == "NO_CONSTRAINT" ? new Uri(chatGptBaseUrl.GetLeftPart(UriPartial.Authority)) : new Uri(announced);

        using var turn = new HttpRequestMessage(HttpMethod.Post, new Uri(origin, "backend-api/codex/responses"))
        {
            Content = new StringContent("""{"model":"gpt-5-codex","input":"hi","stream":true}""", Encoding.UTF8, "application/json"),
        };
        turn.Headers.Add(OverrideHeader, routingOverride);
        using HttpResponseMessage response = await agent.SendAsync(turn);
        string events = await response.Content.ReadAsStringAsync();

        Assert.Equal(proxyAddress.GetLeftPart(UriPartial.Authority), origin.GetLeftPart(UriPartial.Authority));
        Assert.Equal("us", routingOverride);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("response.completed", events, StringComparison.Ordinal);
        RecordedRequest routed = Assert.Single(Server.RequestsTo("/backend-api/codex/responses"));
        Assert.True(routed.IsRoutedOrigin);
        Assert.Equal("us", routed.Header(OverrideHeader));
        Assert.Equal("Bearer " + host.AccessToken, routed.Header("Authorization"));
        foreach (RecordedRequest seen in Server.Requests)
        {
            Assert.DoesNotContain(placeholderToken, string.Join("\n", seen.Headers.Values) + seen.Body, StringComparison.Ordinal);
        }

        CliResult stopped = await proxy.TerminateAsync();
        Assert.Equal(0, stopped.ExitCode);
        Assert.DoesNotContain(host.AccessToken, stopped.All, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_chatgpt_upstream_the_proxy_follows_the_hosts_chatgpt_base_url_from_config_toml()
    {
        FakeSignIn host = Server.SignIn(accountId: AccountId);
        File.WriteAllText(Home.File("auth.json"), host.ToAuthJson(DateTimeOffset.UtcNow));
        File.WriteAllText(Home.File("config.toml"), $"chatgpt_base_url = \"{new Uri(Server.BaseAddress, "backend-api/").AbsoluteUri}\"\n");
        Uri fake = Server.BaseAddress;
        CliProcess proxy = CliProcess.Start(
            Home.Path,
            ["proxy", "--listen", "127.0.0.1:0", "--forward-host-credentials", "--openai-upstream", new Uri(fake, "v1").AbsoluteUri, "--auth-upstream", fake.AbsoluteUri],
            null,
            new Dictionary<string, string> { ["CODEX_REFRESH_TOKEN_URL_OVERRIDE"] = Server.TokenEndpoint.AbsoluteUri });
        Processes.Add(proxy);
        string line = await proxy.WaitForStdoutLineAsync("listening on ");
        var proxyAddress = new Uri(line["listening on ".Length..], UriKind.Absolute);

        using var agent = new HttpClient();
        using var turn = new HttpRequestMessage(HttpMethod.Post, new Uri(proxyAddress, "backend-api/codex/responses"))
        {
            Content = new StringContent("""{"model":"gpt-5-codex","input":"hi","stream":true}""", Encoding.UTF8, "application/json"),
        };
        using HttpResponseMessage response = await agent.SendAsync(turn);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        RecordedRequest sent = Assert.Single(Server.RequestsTo("/backend-api/codex/responses"));
        Assert.Equal("Bearer " + host.AccessToken, sent.Header("Authorization"));
    }

    [Fact]
    public async Task A_routed_origin_behind_TLS_is_trusted_through_SSL_CERT_FILE_and_never_without_it()
    {
        FakeSignIn host = Server.SignIn(accountId: AccountId);
        File.WriteAllText(Home.File("auth.json"), host.ToAuthJson(DateTimeOffset.UtcNow));
        string caOut = Sandbox.File("routed-origin-ca.pem");
        Uri routedFront = await StartAsync(
            Sandbox.Path,
            null,
            "--tls", "--ca-dir", Sandbox.File("ca"), "--ca-out", caOut,
            "--chatgpt-upstream", new Uri(Server.RoutedBaseAddress, "backend-api").AbsoluteUri);
        Server.RouteAccount(AccountId, workspaceBackendOrigin: routedFront.GetLeftPart(UriPartial.Authority), routingOverride: "us");
        Uri trusting = await StartAsync(Home.Path, new Dictionary<string, string> { ["SSL_CERT_FILE"] = caOut }, "--forward-host-credentials");
        Uri untrusting = await StartAsync(Home.Path, null, "--forward-host-credentials");
        using var agent = new HttpClient();

        using HttpResponseMessage refused = await agent.PostAsync(new Uri(untrusting, "backend-api/codex/responses"), new StringContent("""{"model":"m"}""", Encoding.UTF8, "application/json"));
        Assert.Empty(Server.RequestsTo("/backend-api/codex/responses"));
        using HttpResponseMessage accepted = await agent.PostAsync(new Uri(trusting, "backend-api/codex/responses"), new StringContent("""{"model":"m"}""", Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadGateway, refused.StatusCode);
        Assert.True(accepted.StatusCode == HttpStatusCode.OK, await accepted.Content.ReadAsStringAsync());
        RecordedRequest routed = Assert.Single(Server.RequestsTo("/backend-api/codex/responses"));
        Assert.True(routed.IsRoutedOrigin);
        Assert.Equal("us", routed.Header(OverrideHeader));
        Assert.Equal("Bearer " + host.AccessToken, routed.Header("Authorization"));
    }

    private async Task<Uri> StartAsync(string codexHome, Dictionary<string, string>? extraEnv, params string[] extra)
    {
        Uri fake = Server.BaseAddress;
        var env = new Dictionary<string, string> { ["CODEX_REFRESH_TOKEN_URL_OVERRIDE"] = Server.TokenEndpoint.AbsoluteUri };
        foreach (KeyValuePair<string, string> pair in extraEnv ?? [])
        {
            env[pair.Key] = pair.Value;
        }

        string[] args = ["proxy", "--listen", "127.0.0.1:0", "--openai-upstream", new Uri(fake, "v1").AbsoluteUri, "--auth-upstream", fake.AbsoluteUri, .. extra];
        if (!extra.Contains("--chatgpt-upstream"))
        {
            args = [.. args, "--chatgpt-upstream", new Uri(fake, "backend-api").AbsoluteUri];
        }

        CliProcess process = CliProcess.Start(codexHome, args, null, env);
        Processes.Add(process);
        string line = await process.WaitForStdoutLineAsync("listening on ");
        return new Uri(line["listening on ".Length..], UriKind.Absolute);
    }
}
