using Codex.Auth.Testing;

namespace Codex.Auth.Cli.Tests;

/// <summary>
/// What the proxy process tests share: a host CODEX_HOME, an agent's sandbox, the fake server as every upstream, and the
/// <c>codex-auth</c> processes a test starts (killed at the end if still running).
/// </summary>
public abstract class HostAndSandboxTest : IAsyncLifetime
{
    protected TempDirectory Home { get; } = new();

    protected TempDirectory Sandbox { get; } = new();

    protected List<CliProcess> Processes { get; } = [];

    protected FakeCodexServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await FakeCodexServer.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (CliProcess process in Processes)
        {
            process.Dispose();
        }

        await Server.DisposeAsync();
        Home.Dispose();
        Sandbox.Dispose();
    }
}
