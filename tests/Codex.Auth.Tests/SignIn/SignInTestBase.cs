using Codex.Auth.Tests.Infrastructure;

namespace Codex.Auth.Tests.SignIn;

/// <summary>What every sign-in test class needs: a real temp CODEX_HOME, a client, and a loopback issuer.</summary>
public abstract class SignInTestBase : IAsyncLifetime
{
    protected TempDirectory Home { get; } = new();

    protected HttpClient Http { get; } = new();

    protected FakeIssuer Issuer { get; private set; } = null!;

    public async Task InitializeAsync() => Issuer = await FakeIssuer.StartAsync();

    public async Task DisposeAsync()
    {
        await Issuer.DisposeAsync();
        Http.Dispose();
        Home.Dispose();
    }
}
