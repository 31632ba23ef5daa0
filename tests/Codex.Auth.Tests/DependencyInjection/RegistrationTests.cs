using System.Net;
using Codex.Auth.ApiKeys;
using Codex.Auth.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using NSubstitute;

namespace Codex.Auth.Tests.DependencyInjection;

public sealed class RegistrationTests : IAsyncLifetime
{
    private LoopbackServer _server = null!;

    public async Task InitializeAsync() => _server = await LoopbackServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task The_container_builds_with_scope_and_build_validation_and_the_client_authenticates()
    {
        var services = new ServiceCollection();
        services.AddHttpClient("codex").AddCodexAuth(o =>
        {
            o.Source = CodexCredentialSource.ApiKey;
            o.ApiKey = "sk-from-options";
        });
        await using ServiceProvider provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        IAuthProvider auth = provider.GetRequiredService<IAuthProvider>();
        Assert.IsType<ApiKeyProvider>(auth);
        Assert.Same(auth, provider.GetRequiredService<IAuthProvider>());

        HttpClient client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("codex");
        Assert.Equal(new Uri("https://api.openai.com/v1/"), client.BaseAddress);
        using HttpResponseMessage response = await client.GetAsync(new Uri(_server.BaseAddress, "v1/models"));

        Assert.Equal(["Bearer sk-from-options"], Assert.Single(_server.Requests).HeaderValues("Authorization"));
    }

    [Fact]
    public void Registrations_use_TryAdd_so_an_app_can_pin_its_own_provider()
    {
        var mine = Substitute.For<IAuthProvider>();
        var services = new ServiceCollection();
        services.AddSingleton(mine);
        services.AddCodexAuth();
        services.AddCodexAuth();
        using ServiceProvider provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });

        Assert.Same(mine, provider.GetRequiredService<IAuthProvider>());
        Assert.Single(services, d => d.ServiceType == typeof(IAuthProvider));
        Assert.Single(services, d => d.ServiceType == typeof(IValidateOptions<CodexAuthOptions>));
    }

    [Theory]
    [InlineData("blank-key", "ApiKey is set but blank")]
    [InlineData("missing-home", "is not an existing directory")]
    [InlineData("bad-host", "is not a host name")]
    [InlineData("bad-base-url", "ChatGptBaseUrl is not an absolute http or https URL")]
    [InlineData("bad-store", "CredentialsStore '9' is not a known store")]
    public void Invalid_options_fail_at_start_with_a_clear_message(string problem, string expected)
    {
        var services = new ServiceCollection();
        services.AddCodexAuth(o =>
        {
            switch (problem)
            {
                case "blank-key": o.ApiKey = "  "; break;
                case "missing-home": o.CodexHome = "/definitely/not/here"; break;
                case "bad-host": o.AllowedHosts.Add("https://example.com/path"); break;
                case "bad-base-url": o.ChatGptBaseUrl = new Uri("ftp://chatgpt.com/"); break;
                case "bad-store": o.CredentialsStore = (Codex.Auth.Configuration.CodexCredentialStoreMode)9; break;
            }
        });
        using ServiceProvider provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<Microsoft.Extensions.Options.IStartupValidator>().Validate());
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resilience_outside_auth_re_runs_auth_per_try_and_a_401_is_retried_at_most_once()
    {
        var auth = Substitute.For<IAuthProvider>();
        auth.BaseUrl.Returns(new Uri("https://chatgpt.com/backend-api/codex"));
        auth.SupportsRecovery.Returns(true);
        int version = 0;
        auth.GetHeadersAsync(Arg.Any<CancellationToken>()).Returns(_ => new ValueTask<AuthHeaders>(new AuthHeaders("Bearer", "t" + Interlocked.Increment(ref version))));
        auth.RecoverAsync(Arg.Any<AuthHeaders>(), Arg.Any<CancellationToken>()).Returns(new ValueTask<bool>(true));

        var services = new ServiceCollection();
        services.AddSingleton(auth);
        services.AddCodexAuth();
        services.AddHttpClient("codex")
            .AddStandardResilienceHandler(o =>
            {
                o.Retry.Delay = TimeSpan.Zero;
                o.Retry.MaxRetryAttempts = 3;
                o.Retry.UseJitter = false;
            });
        services.AddHttpClient("codex").AddCodexAuthHandler();
        await using ServiceProvider provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        HttpClient client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("codex");

        // A transient 503 is retried by resilience, and the retry carries freshly applied headers.
        int calls = 0;
        _server.Respond = _ => Interlocked.Increment(ref calls) == 1 ? (503, "{}") : (200, "{}");
        using (HttpResponseMessage ok = await client.GetAsync(_server.BaseAddress))
        {
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }

        Assert.Equal(2, _server.Requests.Count);
        Assert.Equal(["Bearer t1"], _server.Requests[0].HeaderValues("Authorization"));
        Assert.Equal(["Bearer t2"], _server.Requests[1].HeaderValues("Authorization"));

        // A persistent 401: one recovery retry inside the auth handler, none from resilience.
        _server.Respond = _ => (401, "{}");
        int before = _server.Requests.Count;
        using HttpResponseMessage unauthorized = await client.GetAsync(_server.BaseAddress);

        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
        Assert.Equal(2, _server.Requests.Count - before);
        await auth.Received(1).RecoverAsync(Arg.Any<AuthHeaders>(), Arg.Any<CancellationToken>());
    }
}
