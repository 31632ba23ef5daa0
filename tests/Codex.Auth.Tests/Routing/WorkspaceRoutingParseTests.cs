using Codex.Auth.Routing;

namespace Codex.Auth.Tests.Routing;

public sealed class WorkspaceRoutingParseTests
{
    private static readonly Uri s_base = new("https://chatgpt.com/backend-api/");
    private static readonly DateTimeOffset s_now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private static string List(params string[] accounts) => "{\"accounts\":[" + string.Join(",", accounts) + "],\"account_ordering\":[],\"default_account_id\":\"acct_1\"}";

    private static string Account(string id, string origin, string routingOverride) =>
        $"{{\"id\":\"{id}\",\"name\":\"Team\",\"workspace_backend_origin\":\"{origin}\",\"account_routing_override\":\"{routingOverride}\"}}";

    [Fact]
    public void List_form_picks_the_signed_in_account_among_others()
    {
        string json = List(Account("acct_other", "https://eu.example", "us_cr"), Account("acct_1", "https://us.chatgpt.example", "us"));

        WorkspaceRouting routing = WorkspaceRouting.Parse(json, "acct_1", s_base, s_now);

        Assert.Equal("acct_1", routing.AccountId);
        Assert.Equal(new Uri("https://us.chatgpt.example/"), routing.BackendOrigin);
        Assert.True(routing.IsOriginDiscovered);
        Assert.Equal("us", routing.RoutingOverride);
        Assert.True(routing.IsConstrained);
        Assert.Equal(s_now, routing.DiscoveredAt);
        Assert.Equal("account=acct_1 origin=https://us.chatgpt.example override=us", routing.ToString());
    }

    [Fact]
    public void Map_form_is_read_too_and_override_case_is_normalized()
    {
        string json = "{\"accounts\":{\"acct_2\":{\"account\":" + Account("acct_2", "https://us.chatgpt.example:8443", "US_CR") + "},\"acct_3\":{\"account\":" + Account("acct_3", "NO_CONSTRAINT", "NO_CONSTRAINT") + "}}}";

        WorkspaceRouting routing = WorkspaceRouting.Parse(json, "acct_2", s_base, s_now);

        Assert.Equal(new Uri("https://us.chatgpt.example:8443/"), routing.BackendOrigin);
        Assert.Equal(WorkspaceRouting.UsControlledOverride, routing.RoutingOverride);
    }

    [Fact]
    public void NO_CONSTRAINT_means_the_chatgpt_base_urls_origin_and_no_override()
    {
        WorkspaceRouting routing = WorkspaceRouting.Parse(List(Account("acct_1", "NO_CONSTRAINT", "NO_CONSTRAINT")), "acct_1", new Uri("http://127.0.0.1:4000/backend-api/"), s_now);

        Assert.Equal(new Uri("http://127.0.0.1:4000/"), routing.BackendOrigin);
        Assert.False(routing.IsOriginDiscovered);
        Assert.False(routing.IsConstrained);
        Assert.Contains("(NO_CONSTRAINT)", routing.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Absent_fields_mean_NO_CONSTRAINT()
    {
        WorkspaceRouting routing = WorkspaceRouting.Parse("{\"accounts\":[{\"id\":\"acct_1\"}]}", "acct_1", s_base, s_now);

        Assert.Equal(new Uri("https://chatgpt.com/"), routing.BackendOrigin);
        Assert.Equal(WorkspaceRouting.NoConstraint, routing.RoutingOverride);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5000", "http://127.0.0.1:5000/")]
    [InlineData("http://localhost:5000/", "http://localhost:5000/")]
    [InlineData("http://[::1]:5000", "http://[::1]:5000/")]
    public void Plain_http_is_accepted_for_loopback_only(string origin, string expected) =>
        Assert.Equal(new Uri(expected), WorkspaceRouting.Parse(List(Account("acct_1", origin, "us")), "acct_1", s_base, s_now).BackendOrigin);

    [Fact]
    public void Missing_account_is_the_typed_error_the_Codex_CLI_reports()
    {
        CodexAuthException error = Assert.Throws<CodexAuthException>(() => WorkspaceRouting.Parse(List(Account("acct_other", "NO_CONSTRAINT", "NO_CONSTRAINT")), "acct_1", s_base, s_now));

        Assert.Equal(CodexAuthFailureReason.RoutingDiscoveryFailed, error.Reason);
        Assert.Contains("selected workspace missing from routing discovery", error.Message, StringComparison.Ordinal);
        Assert.Contains("codex login", error.Remediation, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("listed twice", "{\"accounts\":[{\"id\":\"acct_1\"},{\"id\":\"acct_1\"}]}", "listed 2 times")]
    [InlineData("not json", "{\"accounts\": [ sk-secret-body", "not JSON")]
    [InlineData("array root", "[1,2]", "not a JSON object")]
    [InlineData("no accounts", "{\"default_account_id\":\"acct_1\"}", "no \"accounts\"")]
    [InlineData("numeric origin", "{\"accounts\":[{\"id\":\"acct_1\",\"workspace_backend_origin\":5}]}", "is not a string")]
    [InlineData("unknown override", "{\"accounts\":[{\"id\":\"acct_1\",\"account_routing_override\":\"eu-secret\"}]}", "not NO_CONSTRAINT, us or us_cr")]
    [InlineData("relative origin", "{\"accounts\":[{\"id\":\"acct_1\",\"workspace_backend_origin\":\"us.example\"}]}", "absolute URL")]
    [InlineData("path", "{\"accounts\":[{\"id\":\"acct_1\",\"workspace_backend_origin\":\"https://us.example/backend-api\"}]}", "not a bare origin")]
    public void Unusable_answers_are_typed_errors_that_never_quote_the_body(string what, string json, string expected)
    {
        CodexAuthException error = Assert.Throws<CodexAuthException>(() => WorkspaceRouting.Parse(json, "acct_1", s_base, s_now));

        Assert.Equal(CodexAuthFailureReason.RoutingDiscoveryFailed, error.Reason);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("secret", error.Message, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(what));
    }

    [Fact]
    public void Http_origin_is_refused()
    {
        CodexAuthException error = Assert.Throws<CodexAuthException>(() => WorkspaceRouting.Parse(List(Account("acct_1", "http://us.chatgpt.example", "us")), "acct_1", s_base, s_now));

        Assert.Equal(CodexAuthFailureReason.RoutingDiscoveryFailed, error.Reason);
        Assert.Contains("http://us.chatgpt.example", error.Message, StringComparison.Ordinal);
        Assert.Contains("only sent over HTTPS", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Credentials_in_the_origin_are_refused_without_repeating_them()
    {
        CodexAuthException error = Assert.Throws<CodexAuthException>(() => WorkspaceRouting.Parse(List(Account("acct_1", "https://user:hunter2@us.chatgpt.example", "us")), "acct_1", s_base, s_now));

        Assert.Equal(CodexAuthFailureReason.RoutingDiscoveryFailed, error.Reason);
        Assert.Contains("carries credentials", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }
}
