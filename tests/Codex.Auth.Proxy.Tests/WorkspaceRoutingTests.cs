using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Codex.Auth.Proxy.Tests.Infrastructure;
using Codex.Auth.Testing;

namespace Codex.Auth.Proxy.Tests;

/// <summary>PROTOCOL §9 through the proxy: the agent stays on the proxy, the proxy follows the workspace to its origin.</summary>
public sealed class WorkspaceRoutingTests
{
    private const string Check = "/backend-api/wham/accounts/check";
    private const string Responses = "/backend-api/codex/responses";
    private const string OverrideHeader = "x-openai-account-routing-override";
    private const string Placeholder = "placeholder-access-token-from-the-sandbox";

    [Theory]
    [InlineData(FakeDiscoveryFormat.List)]
    [InlineData(FakeDiscoveryFormat.Map)]
    public async Task Forward_mode_keeps_the_agent_on_the_proxy_and_sends_its_turn_to_the_routed_origin(FakeDiscoveryFormat format)
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        fx.Server.RouteAccount(ProxyFixture.AccountId, routingOverride: "us");
        fx.Server.DiscoveryFormat = format;
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true);
        HttpClient agent = fx.Client(proxy);

        JsonObject answer = await DiscoverAsync(agent, "us_cr");
        JsonObject account = AccountIn(answer, ProxyFixture.AccountId);
        Assert.Equal("NO_CONSTRAINT", account["workspace_backend_origin"]!.GetValue<string>()); // plain-HTTP proxy: "your chatgpt_base_url", i.e. the proxy
        Assert.Equal("us", account["account_routing_override"]!.GetValue<string>());

        using HttpResponseMessage turn = await PostTurnAsync(agent, new Uri(proxy.Address, "backend-api/codex/responses"), "us_cr");

        Assert.Equal(HttpStatusCode.OK, turn.StatusCode);
        RecordedRequest routed = Assert.Single(fx.Server.RequestsTo(Responses));
        Assert.True(routed.IsRoutedOrigin);
        Assert.Equal("us", routed.Header(OverrideHeader));
        Assert.Equal("Bearer " + fx.SignIn.AccessToken, routed.Header("Authorization"));
        Assert.Equal(ProxyFixture.AccountId, routed.Header("ChatGPT-Account-ID"));
        Assert.All(fx.Server.Requests, r => Assert.DoesNotContain(Placeholder, string.Join("\n", r.Headers.Values) + r.Body, StringComparison.Ordinal));
        Assert.All(fx.Server.RequestsTo(Check), r => Assert.False(r.IsRoutedOrigin));
    }

    [Fact]
    public async Task A_TLS_proxy_names_its_own_https_origin()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        fx.Server.RouteAccount(ProxyFixture.AccountId, routingOverride: "us_cr");
        using var caDir = new TempDirectory();
        string caOut = caDir.File("exported-ca.pem");
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true, o =>
        {
            o.Tls.Mode = CodexAuthProxyTlsMode.LocalCertificateAuthority;
            o.Tls.CertificateAuthorityDirectory = caDir.Path;
            o.Tls.ExportCaCertificatePath = caOut;
        });
        HttpClient agent = fx.Client(proxy, TlsTests.TrustingOnly(caOut));

        JsonObject answer = await DiscoverAsync(agent, null);
        string origin = AccountIn(answer, ProxyFixture.AccountId)["workspace_backend_origin"]!.GetValue<string>();
        using HttpResponseMessage turn = await PostTurnAsync(agent, new Uri(new Uri(origin), "backend-api/codex/responses"), "us_cr");

        Assert.Equal(proxy.Address.GetLeftPart(UriPartial.Authority), origin);
        Assert.Equal(HttpStatusCode.OK, turn.StatusCode);
        RecordedRequest routed = Assert.Single(fx.Server.RequestsTo(Responses));
        Assert.True(routed.IsRoutedOrigin);
        Assert.Equal("us_cr", routed.Header(OverrideHeader));
    }

    [Fact]
    public async Task Transparent_mode_routes_the_agents_own_credentials_after_its_discovery()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        fx.Server.RouteAccount(ProxyFixture.AccountId, routingOverride: "us");
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: false);
        HttpClient agent = fx.Client(proxy);
        agent.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", fx.SignIn.AccessToken);
        agent.DefaultRequestHeaders.Add("ChatGPT-Account-ID", ProxyFixture.AccountId);

        JsonObject answer = await DiscoverAsync(agent, null);
        using HttpResponseMessage turn = await PostTurnAsync(agent, new Uri(proxy.Address, "backend-api/codex/responses"), "us");

        Assert.Equal("NO_CONSTRAINT", AccountIn(answer, ProxyFixture.AccountId)["workspace_backend_origin"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, turn.StatusCode);
        RecordedRequest routed = Assert.Single(fx.Server.RequestsTo(Responses));
        Assert.True(routed.IsRoutedOrigin);
        Assert.Equal("us", routed.Header(OverrideHeader));
        Assert.Equal("Bearer " + fx.SignIn.AccessToken, routed.Header("Authorization"));
    }

    [Fact]
    public async Task A_routed_origin_with_an_untrusted_certificate_is_refused_never_trusted()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        using var caDir = new TempDirectory();
        // A TLS front for the routed origin whose CA is in no trust store.
        CodexAuthProxyHost untrusted = await fx.StartProxyAsync(forward: false, o =>
        {
            o.ChatGptUpstream = new Uri(fx.Server.RoutedBaseAddress, "backend-api");
            o.Tls.Mode = CodexAuthProxyTlsMode.LocalCertificateAuthority;
            o.Tls.CertificateAuthorityDirectory = caDir.Path;
        });
        fx.Server.RouteAccount(ProxyFixture.AccountId, workspaceBackendOrigin: untrusted.Address.GetLeftPart(UriPartial.Authority), routingOverride: "us");
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true);
        HttpClient agent = fx.Client(proxy);

        using HttpResponseMessage turn = await PostTurnAsync(agent, new Uri(proxy.Address, "backend-api/codex/responses"), "us");

        Assert.Equal(HttpStatusCode.BadGateway, turn.StatusCode);
        Assert.Empty(fx.Server.RequestsTo(Responses));
    }

    [Fact]
    public async Task The_websocket_upgrade_of_a_routed_turn_goes_to_the_routed_origin()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        fx.Server.RouteAccount(ProxyFixture.AccountId, routingOverride: "us");
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true);

        using var socket = new ClientWebSocket();
        socket.Options.SetRequestHeader("OpenAI-Beta", "responses_websockets=2026-02-06");
        socket.Options.SetRequestHeader("Authorization", "Bearer " + Placeholder);
        var uri = new UriBuilder(new Uri(proxy.Address, "backend-api/codex/responses")) { Scheme = "ws" }.Uri;
        await Assert.ThrowsAsync<WebSocketException>(() => socket.ConnectAsync(uri, CancellationToken.None)); // the fake offers no WebSocket (426)

        RecordedRequest upgrade = Assert.Single(fx.Server.RequestsTo(Responses));
        Assert.Equal("GET", upgrade.Method);
        Assert.True(upgrade.IsRoutedOrigin);
        Assert.Equal("us", upgrade.Header(OverrideHeader));
        Assert.Equal("Bearer " + fx.SignIn.AccessToken, upgrade.Header("Authorization"));
    }

    [Fact]
    public async Task An_unconstrained_account_is_unchanged()
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true);
        HttpClient agent = fx.Client(proxy);

        JsonObject answer = await DiscoverAsync(agent, null);
        using HttpResponseMessage turn = await PostTurnAsync(agent, new Uri(proxy.Address, "backend-api/codex/responses"), "us");

        JsonObject account = AccountIn(answer, ProxyFixture.AccountId);
        Assert.Equal("NO_CONSTRAINT", account["workspace_backend_origin"]!.GetValue<string>());
        Assert.Equal("NO_CONSTRAINT", account["account_routing_override"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, turn.StatusCode);
        RecordedRequest call = Assert.Single(fx.Server.RequestsTo(Responses));
        Assert.False(call.IsRoutedOrigin);
        Assert.Null(call.Header(OverrideHeader));
    }

    [Theory]
    [InlineData("http origin")]
    [InlineData("missing account")]
    [InlineData("malformed")]
    public async Task Bad_discovery_answers_are_errors_and_no_model_call_is_forwarded(string problem)
    {
        await using ProxyFixture fx = await ProxyFixture.StartAsync();
        switch (problem)
        {
            case "http origin":
                fx.Server.RouteAccount(ProxyFixture.AccountId, workspaceBackendOrigin: "http://us.chatgpt.example");
                break;
            case "missing account":
                fx.Server.ScriptedDiscoveryAnswer = """{"accounts":[{"id":"acct_other","workspace_backend_origin":"NO_CONSTRAINT","account_routing_override":"NO_CONSTRAINT"}]}""";
                break;
            default:
                fx.Server.ScriptedDiscoveryAnswer = """{"accounts": [""";
                break;
        }

        CodexAuthProxyHost proxy = await fx.StartProxyAsync(forward: true);
        HttpClient agent = fx.Client(proxy);

        using HttpResponseMessage discovery = await agent.GetAsync("backend-api/wham/accounts/check");
        using HttpResponseMessage turn = await PostTurnAsync(agent, new Uri(proxy.Address, "backend-api/codex/responses"), null);

        Assert.Equal(HttpStatusCode.BadGateway, discovery.StatusCode);
        Assert.Equal("codex_auth_proxy_routing", (await discovery.Content.ReadFromJsonAsync<JsonObject>())!["error"]!["code"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadGateway, turn.StatusCode);
        Assert.Contains("workspace", await turn.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
        Assert.Empty(fx.Server.RequestsTo(Responses));
        Assert.DoesNotContain("us.chatgpt.example", string.Join(",", fx.Server.Requests.Select(r => r.Header("Host"))), StringComparison.Ordinal);
    }

    private static async Task<JsonObject> DiscoverAsync(HttpClient agent, string? agentOverride)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "backend-api/wham/accounts/check");
        if (agent.DefaultRequestHeaders.Authorization is null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + Placeholder);
        }

        if (agentOverride is not null)
        {
            request.Headers.Add(OverrideHeader, agentOverride);
        }

        using HttpResponseMessage response = await agent.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!;
    }

    private static JsonObject AccountIn(JsonObject answer, string accountId) => answer["accounts"] switch
    {
        JsonArray list => list.OfType<JsonObject>().Single(a => a["id"]!.GetValue<string>() == accountId),
        JsonObject map => (JsonObject)map[accountId]!["account"]!,
        _ => throw new InvalidOperationException("no accounts"),
    };

    private static Task<HttpResponseMessage> PostTurnAsync(HttpClient agent, Uri uri, string? agentOverride)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = JsonContent.Create(new { model = "gpt-5-codex", input = "hi", stream = true }) };
        if (agent.DefaultRequestHeaders.Authorization is null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", "Bearer " + Placeholder);
        }

        if (agentOverride is not null)
        {
            request.Headers.Add(OverrideHeader, agentOverride);
        }

        return agent.SendAsync(request);
    }
}
