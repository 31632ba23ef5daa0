using System.Text.Json.Nodes;
using Codex.Auth.ChatGpt;
using Codex.Auth.Testing;
using Microsoft.Extensions.Time.Testing;

namespace Codex.Auth.Tests.Infrastructure;

/// <summary>A fake auth server + backend on loopback, a fake clock, and a real temp CODEX_HOME with a signed-in auth.json.</summary>
public sealed class ChatGptFixture : IAsyncDisposable
{
    private readonly List<IDisposable> _owned = [];

    private ChatGptFixture(FakeTimeProvider time, FakeCodexServer server, TempDirectory home, FakeSignIn signIn)
    {
        Time = time;
        Server = server;
        Home = home;
        SignIn = signIn;
    }

    public FakeTimeProvider Time { get; }

    public FakeCodexServer Server { get; }

    public TempDirectory Home { get; }

    public FakeSignIn SignIn { get; }

    public string AuthPath => Home.File("auth.json");

    public HttpClient RefreshHttp { get; } = new();

    public static async Task<ChatGptFixture> StartAsync(bool fedramp = false, TimeSpan? lifetime = null)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero));
        FakeCodexServer server = await FakeCodexServer.StartAsync(new FakeCodexServerOptions { TimeProvider = time, AccessTokenLifetime = lifetime ?? TimeSpan.FromHours(1) });
        FakeSignIn signIn = server.SignIn(accountId: "acct_main", isFedRamp: fedramp);
        var home = new TempDirectory();
        File.WriteAllText(home.File("auth.json"), signIn.ToAuthJson(time.GetUtcNow()));
        return new ChatGptFixture(time, server, home, signIn);
    }

    public ChatGptTokenProvider CreateProvider(Action<ChatGptTokenProviderOptions>? configure = null)
    {
        var options = new ChatGptTokenProviderOptions
        {
            CodexHome = Home.Path,
            RefreshTokenUrl = Server.TokenEndpoint,
            BaseUrl = Server.CodexBaseUrl,
            RefreshRetryDelay = TimeSpan.Zero,
            ReusedTokenGracePeriod = TimeSpan.Zero,
        };
        configure?.Invoke(options);
        var provider = new ChatGptTokenProvider(options, Time, RefreshHttp, CodexEnvironment.FromValues(new Dictionary<string, string?>()));
        _owned.Add(provider);
        return provider;
    }

    public HttpClient CreateClient(IAuthProvider provider)
    {
        var client = new HttpClient(new Codex.Auth.Http.CodexAuthHandler(provider) { InnerHandler = new SocketsHttpHandler() })
        {
            BaseAddress = new Uri(Server.CodexBaseUrl.AbsoluteUri + "/"),
        };
        _owned.Add(client);
        return client;
    }

    public JsonObject ReadAuthJson() => (JsonObject)JsonNode.Parse(File.ReadAllText(AuthPath))!;

    public void WriteAuthJson(string json) => File.WriteAllText(AuthPath, json);

    public async ValueTask DisposeAsync()
    {
        foreach (IDisposable d in _owned)
        {
            d.Dispose();
        }

        RefreshHttp.Dispose();
        await Server.DisposeAsync();
        Home.Dispose();
    }
}
