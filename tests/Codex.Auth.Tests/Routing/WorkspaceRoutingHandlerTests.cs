using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Codex.Auth.ChatGpt;
using Codex.Auth.Http;
using Codex.Auth.Routing;
using Codex.Auth.Testing;
using Codex.Auth.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Codex.Auth.Tests.Routing;

/// <summary>Workspace routing through <see cref="CodexAuthHandler"/> against the fake server's routed origin, over real sockets.</summary>
public sealed class WorkspaceRoutingHandlerTests : IAsyncLifetime
{
    private const string Check = "/backend-api/wham/accounts/check";
    private const string Responses = "/backend-api/codex/responses";
    private ChatGptFixture _fixture = null!;
    private readonly List<IDisposable> _owned = [];

    public async Task InitializeAsync() => _fixture = await ChatGptFixture.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (IDisposable owned in _owned)
        {
            owned.Dispose();
        }

        await _fixture.DisposeAsync();
    }

    private FakeCodexServer Server => _fixture.Server;

    [Theory]
    [InlineData("us", FakeDiscoveryFormat.List)]
    [InlineData("us_cr", FakeDiscoveryFormat.Map)]
    public async Task Model_calls_of_a_routed_account_land_on_the_routed_origin_with_the_override(string routingOverride, FakeDiscoveryFormat format)
    {
        Server.RouteAccount("acct_main", routingOverride: routingOverride);
        Server.DiscoveryFormat = format;
        (HttpClient http, WorkspaceRouter router) = Client(_fixture.CreateProvider());

        using HttpResponseMessage first = await http.PostAsJsonAsync("responses", new { model = "gpt-5-codex", input = "hi" });
        using HttpResponseMessage second = await http.GetAsync("models");
        using HttpResponseMessage other = await http.GetAsync(new Uri(Server.ChatGptBaseUrl, "wham/settings/user"));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        RecordedRequest call = Assert.Single(Server.RequestsTo(Responses));
        Assert.True(call.IsRoutedOrigin);
        Assert.Equal(routingOverride, call.Header(CodexAuthHeaderNames.AccountRoutingOverride));
        Assert.Equal("acct_main", call.Header(CodexAuthHeaderNames.AccountId));
        Assert.StartsWith("Bearer ", call.Header("Authorization"), StringComparison.Ordinal);
        Assert.True(Assert.Single(Server.RequestsTo("/backend-api/codex/models")).IsRoutedOrigin);
        RecordedRequest settings = Assert.Single(Server.RequestsTo("/backend-api/wham/settings/user"));
        Assert.False(settings.IsRoutedOrigin);
        Assert.Null(settings.Header(CodexAuthHeaderNames.AccountRoutingOverride));
        RecordedRequest discovery = Assert.Single(Server.RequestsTo(Check));
        Assert.False(discovery.IsRoutedOrigin);
        Assert.Equal(new Uri(Server.RoutedBaseAddress.AbsoluteUri), router.Current!.BackendOrigin);
        Assert.Equal(routingOverride, router.Current.RoutingOverride);
    }

    [Fact]
    public async Task Unconstrained_accounts_are_unchanged_and_a_callers_override_header_is_dropped()
    {
        (HttpClient http, WorkspaceRouter router) = Client(_fixture.CreateProvider());
        using var request = new HttpRequestMessage(HttpMethod.Post, "responses") { Content = JsonContent.Create(new { model = "m" }) };
        request.Headers.Add(CodexAuthHeaderNames.AccountRoutingOverride, "us_cr");

        using HttpResponseMessage response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        RecordedRequest call = Assert.Single(Server.RequestsTo(Responses));
        Assert.False(call.IsRoutedOrigin);
        Assert.Null(call.Header(CodexAuthHeaderNames.AccountRoutingOverride));
        Assert.False(router.Current!.IsConstrained);
        Assert.False(router.Current.IsOriginDiscovered);
    }

    [Fact]
    public async Task A_callers_override_header_is_replaced_by_the_workspaces()
    {
        Server.RouteAccount("acct_main", routingOverride: "us");
        (HttpClient http, _) = Client(_fixture.CreateProvider());
        using var request = new HttpRequestMessage(HttpMethod.Post, "responses") { Content = JsonContent.Create(new { model = "m" }) };
        request.Headers.Add(CodexAuthHeaderNames.AccountRoutingOverride, "us_cr");

        using HttpResponseMessage response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("us", Assert.Single(Server.RequestsTo(Responses)).Header(CodexAuthHeaderNames.AccountRoutingOverride));
    }

    [Fact]
    public async Task A_model_call_rejected_with_401_is_recovered_and_routed_afresh()
    {
        (HttpClient http, WorkspaceRouter router) = Client(_fixture.CreateProvider());
        using (HttpResponseMessage before = await http.PostAsJsonAsync("responses", new { model = "m" }))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
        }

        // The workspace moved to a residency-constrained origin: the default origin now refuses its model calls with 401.
        Server.RouteAccount("acct_main", routingOverride: "us");

        using HttpResponseMessage after = await http.PostAsJsonAsync("responses", new { model = "m" });

        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(2, Server.RequestsTo(Check).Count);
        RecordedRequest[] calls = [.. Server.RequestsTo(Responses)];
        Assert.Equal([false, false, true], calls.Select(c => c.IsRoutedOrigin));
        Assert.Equal("us", calls[^1].Header(CodexAuthHeaderNames.AccountRoutingOverride));
        Assert.True(router.Current!.IsConstrained);
    }

    [Fact]
    public async Task An_account_change_is_discovered_again()
    {
        ChatGptTokenProvider first = _fixture.CreateProvider();
        FakeSignIn other = Server.SignIn("acct_us");
        Server.RouteAccount("acct_us", routingOverride: "us_cr");
        using var otherHome = new TempDirectory();
        File.WriteAllText(otherHome.File("auth.json"), other.ToAuthJson(_fixture.Time.GetUtcNow()));
        ChatGptTokenProvider second = _fixture.CreateProvider(o => o.CodexHome = otherHome.Path);
        var switching = new SwitchingProvider(first);
        (HttpClient http, WorkspaceRouter router) = Client(switching);

        (await http.PostAsJsonAsync("responses", new { model = "m" })).Dispose();
        (await http.PostAsJsonAsync("responses", new { model = "m" })).Dispose();
        switching.Current = second; // for example an app that signs the user in to another workspace
        using HttpResponseMessage after = await http.PostAsJsonAsync("responses", new { model = "m" });

        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal(["acct_main", "acct_us"], Server.RequestsTo(Check).Select(c => c.Header(CodexAuthHeaderNames.AccountId)));
        Assert.Equal([false, false, true], Server.RequestsTo(Responses).Select(c => c.IsRoutedOrigin));
        Assert.Equal("us_cr", Server.RequestsTo(Responses)[^1].Header(CodexAuthHeaderNames.AccountRoutingOverride));
        Assert.Equal("acct_us", router.Current!.AccountId);
    }

    [Fact]
    public async Task Tokens_adopted_from_another_program_are_routed_afresh()
    {
        ChatGptTokenProvider first = _fixture.CreateProvider();
        var switching = new SwitchingProvider(first);
        (HttpClient http, _) = Client(switching);
        (await http.PostAsJsonAsync("responses", new { model = "m" })).Dispose();
        (await http.PostAsJsonAsync("responses", new { model = "m" })).Dispose();
        Assert.Single(Server.RequestsTo(Check));

        // The Codex CLI refreshed (or signed in again): same account, new tokens, and meanwhile the workspace moved.
        FakeSignIn theirs = Server.SimulateRefreshByOtherClient("acct_main");
        Server.RouteAccount("acct_main", routingOverride: "us");
        using var adoptedHome = new TempDirectory();
        File.WriteAllText(adoptedHome.File("auth.json"), theirs.ToAuthJson(_fixture.Time.GetUtcNow()));
        switching.Current = _fixture.CreateProvider(o => o.CodexHome = adoptedHome.Path);
        using HttpResponseMessage after = await http.PostAsJsonAsync("responses", new { model = "m" });

        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        RecordedRequest[] checks = [.. Server.RequestsTo(Check)];
        Assert.Equal(2, checks.Length);
        Assert.Equal("Bearer " + theirs.AccessToken, checks[1].Header("Authorization"));
        Assert.True(Server.RequestsTo(Responses)[^1].IsRoutedOrigin);
    }

    [Fact]
    public async Task Routing_is_asked_again_after_its_lifetime()
    {
        (HttpClient http, _) = Client(_fixture.CreateProvider(), new WorkspaceRouterOptions { DiscoveryLifetime = TimeSpan.FromMinutes(10) });
        (await http.PostAsJsonAsync("responses", new { model = "m" })).Dispose();
        _fixture.Time.Advance(TimeSpan.FromMinutes(5));
        (await http.PostAsJsonAsync("responses", new { model = "m" })).Dispose();
        Assert.Single(Server.RequestsTo(Check));

        Server.RouteAccount("acct_main", routingOverride: "us");
        _fixture.Time.Advance(TimeSpan.FromMinutes(6));
        using HttpResponseMessage later = await http.PostAsJsonAsync("responses", new { model = "m" });

        Assert.Equal(HttpStatusCode.OK, later.StatusCode);
        Assert.Equal(2, Server.RequestsTo(Check).Count);
        Assert.True(Server.RequestsTo(Responses)[^1].IsRoutedOrigin);
    }

    [Fact]
    public async Task Transient_discovery_failures_are_retried()
    {
        Server.RouteAccount("acct_main");
        Server.BackendFaults.ServiceUnavailable(times: 2);
        (HttpClient http, _) = Client(_fixture.CreateProvider());

        using HttpResponseMessage response = await http.PostAsJsonAsync("responses", new { model = "m" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, Server.RequestsTo(Check).Count);
        Assert.True(Assert.Single(Server.RequestsTo(Responses)).IsRoutedOrigin);
    }

    [Theory]
    [InlineData("missing", "selected workspace missing")]
    [InlineData("http", "only sent over HTTPS")]
    [InlineData("malformed", "not JSON")]
    [InlineData("outage", "after 3 attempts")]
    public async Task Bad_discovery_answers_are_typed_errors_and_nothing_is_sent(string problem, string expected)
    {
        switch (problem)
        {
            case "missing":
                Server.ScriptedDiscoveryAnswer = "{\"accounts\":[{\"id\":\"acct_someone_else\",\"workspace_backend_origin\":\"NO_CONSTRAINT\",\"account_routing_override\":\"NO_CONSTRAINT\"}]}";
                break;
            case "http":
                Server.RouteAccount("acct_main", workspaceBackendOrigin: "http://us.chatgpt.example");
                break;
            case "malformed":
                Server.ScriptedDiscoveryAnswer = "{\"accounts\": [";
                break;
            default:
                Server.BackendFaults.ServiceUnavailable(times: 3);
                break;
        }

        (HttpClient http, WorkspaceRouter router) = Client(_fixture.CreateProvider());

        CodexAuthException error = await Assert.ThrowsAsync<CodexAuthException>(() => http.PostAsJsonAsync("responses", new { model = "m" }));

        Assert.Equal(CodexAuthFailureReason.RoutingDiscoveryFailed, error.Reason);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Empty(Server.RequestsTo(Responses));
        Assert.Null(router.Current);
    }

    [Fact]
    public async Task A_backend_without_discovery_404_leaves_the_account_unconstrained()
    {
        ChatGptTokenProvider provider = _fixture.CreateProvider();
        using var router = new WorkspaceRouter(provider, new WorkspaceRouterOptions { ChatGptBaseUrl = new Uri(Server.BaseAddress, "no-routing-here/") }, httpClient: null, _fixture.Time);

        WorkspaceRouting routing = await router.DiscoverAsync();

        Assert.False(routing.IsConstrained);
        Assert.False(routing.IsOriginDiscovered);
        Assert.Equal(new Uri(Server.BaseAddress.GetLeftPart(UriPartial.Authority) + "/"), routing.BackendOrigin);
        Assert.Single(Server.RequestsTo("/no-routing-here/wham/accounts/check"));
    }

    [Fact]
    public async Task Enforced_residency_refuses_an_unconstrained_account_before_sending()
    {
        (HttpClient http, _) = Client(_fixture.CreateProvider(), new WorkspaceRouterOptions { EnforceResidency = CodexResidency.Us });

        CodexAuthException error = await Assert.ThrowsAsync<CodexAuthException>(() => http.GetAsync(new Uri(Server.ChatGptBaseUrl, "wham/settings/user")));

        Assert.Equal(CodexAuthFailureReason.ResidencyNotSatisfied, error.Reason);
        Assert.Contains("enforce_residency", error.Remediation, StringComparison.Ordinal);
        Assert.Empty(Server.RequestsTo("/backend-api/wham/settings/user"));
        Assert.Equal("us", Assert.Single(Server.RequestsTo(Check)).Header(CodexAuthHeaderNames.Residency));
    }

    [Fact]
    public async Task Enforced_residency_marks_every_request_of_a_constrained_account()
    {
        Server.RouteAccount("acct_main", routingOverride: "us");
        (HttpClient http, _) = Client(_fixture.CreateProvider(), new WorkspaceRouterOptions { EnforceResidency = CodexResidency.Us });

        using HttpResponseMessage model = await http.PostAsJsonAsync("responses", new { model = "m" });
        using HttpResponseMessage other = await http.GetAsync(new Uri(Server.ChatGptBaseUrl, "wham/settings/user"));

        Assert.Equal(HttpStatusCode.OK, model.StatusCode);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        Assert.Equal("us", Assert.Single(Server.RequestsTo(Responses)).Header(CodexAuthHeaderNames.Residency));
        RecordedRequest settings = Assert.Single(Server.RequestsTo("/backend-api/wham/settings/user"));
        Assert.Equal("us", settings.Header(CodexAuthHeaderNames.Residency));
        Assert.False(settings.IsRoutedOrigin);
    }

    [Fact]
    public async Task The_discovered_origin_is_admitted_and_no_other_host()
    {
        Server.RouteAccount("acct_main", workspaceBackendOrigin: "https://us.chatgpt.example");
        var primary = new RecordingHandler();
        ChatGptTokenProvider provider = _fixture.CreateProvider();
        var router = new WorkspaceRouter(provider, new WorkspaceRouterOptions { RetryDelay = TimeSpan.Zero }, httpClient: null, _fixture.Time);
        _owned.Add(router);
        using var http = new HttpClient(new CodexAuthHandler(provider, new CodexAuthHandlerOptions { AllowLoopback = true }, router) { InnerHandler = primary });

        using HttpResponseMessage routed = await http.PostAsJsonAsync(new Uri(Server.CodexBaseUrl + "/responses"), new { model = "m" });
        using HttpResponseMessage direct = await http.GetAsync(new Uri("https://us.chatgpt.example/backend-api/codex/models"));
        CodexAuthException refused = await Assert.ThrowsAsync<CodexAuthException>(() => http.GetAsync(new Uri("https://elsewhere.example/backend-api/codex/models")));

        Assert.Equal(new Uri("https://us.chatgpt.example/backend-api/codex/responses"), primary.Uris[0]);
        Assert.Equal(new Uri("https://us.chatgpt.example/backend-api/codex/models"), primary.Uris[1]);
        Assert.Equal(2, primary.Uris.Count);
        Assert.Equal(CodexAuthFailureReason.HostNotAllowed, refused.Reason);
    }

    [Fact]
    public async Task AddCodexAuth_client_posting_responses_relative_to_its_base_address_reaches_the_routed_origin()
    {
        Server.RouteAccount("acct_main", routingOverride: "us");
        ChatGptTokenProvider provider = _fixture.CreateProvider();
        var services = new ServiceCollection();
        services.AddSingleton<IAuthProvider>(provider);
        services.AddSingleton<TimeProvider>(_fixture.Time);
        services.AddHttpClient("codex").AddCodexAuth();
        await using ServiceProvider container = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        HttpClient http = container.GetRequiredService<IHttpClientFactory>().CreateClient("codex");

        using HttpResponseMessage response = await http.PostAsJsonAsync("responses", new { model = "m" });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        RecordedRequest call = Assert.Single(Server.RequestsTo(Responses));
        Assert.True(call.IsRoutedOrigin);
        Assert.Equal("us", call.Header(CodexAuthHeaderNames.AccountRoutingOverride));
        Assert.Equal("us", container.GetRequiredService<WorkspaceRouter>().Current!.RoutingOverride);
    }

    private (HttpClient Http, WorkspaceRouter Router) Client(IAuthProvider provider, WorkspaceRouterOptions? options = null)
    {
        options ??= new WorkspaceRouterOptions();
        options.RetryDelay = TimeSpan.Zero;
        var router = new WorkspaceRouter(provider, options, httpClient: null, _fixture.Time);
        var http = new HttpClient(new CodexAuthHandler(provider, new CodexAuthHandlerOptions(), router) { InnerHandler = new SocketsHttpHandler() })
        {
            BaseAddress = new Uri(Server.CodexBaseUrl.AbsoluteUri + "/"),
        };
        _owned.Add(http);
        _owned.Add(router);
        return (http, router);
    }

    /// <summary>An app-level provider that switches to another sign-in (the seam is the public <see cref="IAuthProvider"/> contract).</summary>
    private sealed class SwitchingProvider(IAuthProvider initial) : IAuthProvider
    {
        public IAuthProvider Current { get; set; } = initial;

        public Uri BaseUrl => Current.BaseUrl;

        public bool SupportsRecovery => true;

        public ValueTask<AuthHeaders> GetHeadersAsync(CancellationToken cancellationToken = default) => Current.GetHeadersAsync(cancellationToken);

        public ValueTask<bool> RecoverAsync(AuthHeaders rejected, CancellationToken cancellationToken = default) => Current.RecoverAsync(rejected, cancellationToken);
    }

    private sealed class RecordingHandler : HttpMessageHandler
    {
        public List<Uri> Uris { get; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Uris.Add(request.RequestUri!);
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK));
        }
    }
}
