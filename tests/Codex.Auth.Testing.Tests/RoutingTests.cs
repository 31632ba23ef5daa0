using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static Codex.Auth.Testing.Tests.TestHttp;

namespace Codex.Auth.Testing.Tests;

public sealed class RoutingTests
{
    private const string OverrideHeader = "x-openai-account-routing-override";

    [Fact]
    public async Task Routed_origin_is_a_second_loopback_origin()
    {
        await using var server = await FakeCodexServer.StartAsync();

        Assert.Equal("127.0.0.1", server.RoutedBaseAddress.Host);
        Assert.NotEqual(server.BaseAddress.Port, server.RoutedBaseAddress.Port);
        Assert.Equal(server.RoutedBaseAddress.GetLeftPart(UriPartial.Authority), server.RoutedOrigin);
        Assert.False(server.RoutedOrigin.EndsWith('/'));
    }

    [Fact]
    public async Task Discovery_of_an_unconstrained_account_says_NO_CONSTRAINT_in_list_form()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        FakeSignIn signIn = server.SignIn("acct_free");

        JsonObject answer = await CheckAsync(http, server, signIn);

        JsonObject account = Assert.IsType<JsonObject>(Assert.Single(Assert.IsType<JsonArray>(answer["accounts"])));
        Assert.Equal("acct_free", account["id"]!.GetValue<string>());
        Assert.Equal("NO_CONSTRAINT", account["workspace_backend_origin"]!.GetValue<string>());
        Assert.Equal("NO_CONSTRAINT", account["account_routing_override"]!.GetValue<string>());
        Assert.Equal("acct_free", answer["default_account_id"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(FakeDiscoveryFormat.List, "us")]
    [InlineData(FakeDiscoveryFormat.Map, "us_cr")]
    public async Task Discovery_of_a_routed_account_names_the_routed_origin_and_override(FakeDiscoveryFormat format, string routingOverride)
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        FakeSignIn signIn = server.SignIn("acct_us");
        server.RouteAccount("acct_us", routingOverride: routingOverride);
        server.DiscoveryFormat = format;

        JsonObject answer = await CheckAsync(http, server, signIn);

        JsonObject account = format == FakeDiscoveryFormat.List
            ? Assert.IsType<JsonObject>(Assert.Single(Assert.IsType<JsonArray>(answer["accounts"])))
            : Assert.IsType<JsonObject>(Assert.IsType<JsonObject>(answer["accounts"]!["acct_us"])["account"]);
        Assert.Equal("acct_us", account["id"]!.GetValue<string>());
        Assert.Equal(server.RoutedOrigin, account["workspace_backend_origin"]!.GetValue<string>());
        Assert.Equal(routingOverride, account["account_routing_override"]!.GetValue<string>());
    }

    [Fact]
    public async Task Any_origin_text_can_be_announced_and_unrouting_restores_NO_CONSTRAINT()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        FakeSignIn signIn = server.SignIn("acct_x");
        server.RouteAccount("acct_x", workspaceBackendOrigin: "http://user:pw@elsewhere.example", routingOverride: "us");

        JsonObject routed = await CheckAsync(http, server, signIn);
        server.UnrouteAccount("acct_x");
        JsonObject unrouted = await CheckAsync(http, server, signIn);

        Assert.Equal("http://user:pw@elsewhere.example", routed["accounts"]![0]!["workspace_backend_origin"]!.GetValue<string>());
        Assert.Equal("NO_CONSTRAINT", unrouted["accounts"]![0]!["workspace_backend_origin"]!.GetValue<string>());
    }

    [Fact]
    public async Task Scripted_answer_is_sent_verbatim_to_an_authenticated_caller_only()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        FakeSignIn signIn = server.SignIn("acct_1");
        server.ScriptedDiscoveryAnswer = "{\"accounts\": [ not json";

        using HttpRequestMessage request = Backend(HttpMethod.Get, Under(server.ChatGptBaseUrl, "wham/accounts/check"), signIn.AccessToken, signIn.AccountId);
        using HttpResponseMessage response = await http.SendAsync(request);
        using HttpRequestMessage anonymous = Backend(HttpMethod.Get, Under(server.ChatGptBaseUrl, "wham/accounts/check"), null, null);
        using HttpResponseMessage refused = await http.SendAsync(anonymous);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{\"accounts\": [ not json", await response.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task Routed_account_model_calls_succeed_only_at_the_routed_origin_with_the_override()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        FakeSignIn signIn = server.SignIn("acct_us");
        server.RouteAccount("acct_us", routingOverride: "us");
        Uri routedResponses = new(server.RoutedBaseAddress, "backend-api/codex/responses");

        using HttpResponseMessage atDefault = await http.SendAsync(Responses(Under(server.CodexBaseUrl, "responses"), signIn, "us"));
        using HttpResponseMessage withoutHeader = await http.SendAsync(Responses(routedResponses, signIn, null));
        using HttpResponseMessage wrongHeader = await http.SendAsync(Responses(routedResponses, signIn, "us_cr"));
        using HttpResponseMessage routed = await http.SendAsync(Responses(routedResponses, signIn, "us"));
        using HttpRequestMessage other = Backend(HttpMethod.Get, Under(server.ChatGptBaseUrl, "wham/settings/user"), signIn.AccessToken, signIn.AccountId);
        using HttpResponseMessage nonModelAtDefault = await http.SendAsync(other);

        Assert.Equal(HttpStatusCode.Unauthorized, atDefault.StatusCode);
        Assert.Equal("workspace_not_authorized_in_region", await ErrorCodeAsync(atDefault));
        Assert.Equal("routing_override_mismatch", await ErrorCodeAsync(withoutHeader));
        Assert.Equal("routing_override_mismatch", await ErrorCodeAsync(wrongHeader));
        Assert.Equal(HttpStatusCode.OK, routed.StatusCode);
        Assert.Equal("acct_us", (await JsonAsync(routed))["account_id"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.OK, nonModelAtDefault.StatusCode);

        RecordedRequest[] calls = [.. server.RequestsTo("/backend-api/codex/responses")];
        Assert.Equal([false, true, true, true], calls.Select(c => c.IsRoutedOrigin));
        Assert.Equal("us", calls[3].Header(OverrideHeader));
        Assert.Contains("[routed]", calls[3].ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Routed_origin_serves_no_other_calls_and_no_unconstrained_account()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        FakeSignIn routedAccount = server.SignIn("acct_us");
        FakeSignIn freeAccount = server.SignIn("acct_free");
        server.RouteAccount("acct_us");

        using HttpRequestMessage check = Backend(HttpMethod.Get, new Uri(server.RoutedBaseAddress, "backend-api/wham/accounts/check"), routedAccount.AccessToken, routedAccount.AccountId);
        using HttpResponseMessage checkAtRouted = await http.SendAsync(check);
        using HttpResponseMessage freeAtRouted = await http.SendAsync(Responses(new Uri(server.RoutedBaseAddress, "backend-api/codex/responses"), freeAccount, null));
        using HttpResponseMessage freeAtDefault = await http.SendAsync(Responses(Under(server.CodexBaseUrl, "responses"), freeAccount, null));

        Assert.Equal(HttpStatusCode.NotFound, checkAtRouted.StatusCode);
        Assert.Equal("not_on_this_origin", await ErrorCodeAsync(checkAtRouted));
        Assert.Equal(HttpStatusCode.NotFound, freeAtRouted.StatusCode);
        Assert.Equal(HttpStatusCode.OK, freeAtDefault.StatusCode);
    }

    [Fact]
    public async Task An_account_announced_at_another_origin_is_still_served_by_the_routed_origin_and_refused_by_the_default()
    {
        await using var server = await FakeCodexServer.StartAsync();
        using HttpClient http = Client();
        FakeSignIn signIn = server.SignIn("acct_us");
        server.RouteAccount("acct_us", workspaceBackendOrigin: "https://us.chatgpt.example");

        using HttpResponseMessage atRouted = await http.SendAsync(Responses(new Uri(server.RoutedBaseAddress, "backend-api/codex/responses"), signIn, "us"));
        using HttpResponseMessage atDefault = await http.SendAsync(Responses(Under(server.CodexBaseUrl, "responses"), signIn, "us"));

        Assert.Equal(HttpStatusCode.OK, atRouted.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, atDefault.StatusCode);
    }

    private static async Task<JsonObject> CheckAsync(HttpClient http, FakeCodexServer server, FakeSignIn signIn)
    {
        using HttpRequestMessage request = Backend(HttpMethod.Get, Under(server.ChatGptBaseUrl, "wham/accounts/check"), signIn.AccessToken, signIn.AccountId);
        using HttpResponseMessage response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await JsonAsync(response);
    }

    private static HttpRequestMessage Responses(Uri uri, FakeSignIn signIn, string? routingOverride)
    {
        HttpRequestMessage request = Backend(HttpMethod.Post, uri, signIn.AccessToken, signIn.AccountId);
        request.Content = JsonContent.Create(new { model = "gpt-5-codex", input = "hi" });
        if (routingOverride is not null)
        {
            request.Headers.Add(OverrideHeader, routingOverride);
        }

        return request;
    }
}
